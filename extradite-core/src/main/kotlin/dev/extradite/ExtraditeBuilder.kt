@file:OptIn(InternalExtraditeApi::class)

package dev.extradite

import dev.extradite.internal.host.HostStartupWarmup
import dev.extradite.internal.host.ProtectedTree
import dev.extradite.internal.host.SessionConfig
import dev.extradite.internal.host.SessionRegistry
import dev.extradite.internal.session.PolicyRules
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.time.Duration

/**
 * Configures and opens a [RemoteClass]: where the target's code is, how its child JVM is
 * started, and what must never be loaded in the host. Every method returns this builder.
 *
 * | option | default |
 * | --- | --- |
 * | [classpath] | none: the target must be found on it |
 * | [protect] | the target's package and its sub-packages (always included) |
 * | [transportPolicy] | [TransportPolicy.VALUE] |
 * | [javaHome] | the host's own `java.home` |
 * | [jvmArgs], [env] | none; the child inherits the host's environment |
 * | [workingDirectory] | the host's working directory |
 * | [startupTimeout] | 60 seconds |
 * | [maxFrameSize] | 64 MiB |
 * | [shareKey] | none: each `open()` starts its own child |
 * | [keepAlive] | zero (30 s for [prewarmSession]) |
 * | [childOutput] | [ChildOutputMode.FORWARD] |
 *
 * Not thread safe; build on one thread, then share the [RemoteClass].
 *
 * ```java
 * try (RemoteClass counters = Extradite.target("com.acme.heavy.Counter")
 *         .classpath(Path.of("libs/heavy.jar")).open()) { ... }
 * ```
 */
public class ExtraditeBuilder internal constructor(target: String?) {
    /** The binary class name of the target (`"pkg.Class"`; `"pkg:Class"` is accepted too); empty for [prewarmSession]. */
    public val target: String = target?.let(::normalizeTarget) ?: ""

    private val classpath = mutableListOf<Path>()
    private val protectedPackages = mutableListOf<String>()
    private var policy = TransportPolicy.VALUE
    private val typeRules = LinkedHashMap<Class<*>, TransportPolicy>()
    private var javaHome: Path = Paths.get(System.getProperty("java.home"))
    private val jvmArgs = mutableListOf<String>()
    private val env = LinkedHashMap<String, String>()
    private var workingDirectory: Path? = null
    private var startupTimeout: Duration = Duration.ofSeconds(60)
    private var maxFrameSize: Int = 64 * 1024 * 1024
    private var shareKey: String? = null
    private var keepAlive: Duration? = null
    private var output = ChildOutputMode.FORWARD

    init {
        // A host JVM's first builder: ready what its first session needs on a second thread.
        HostStartupWarmup.start()
    }

    /** Adds jars or class directories holding the target and its dependencies. They must not be on the host's classpath. */
    public fun classpath(vararg entries: Path): ExtraditeBuilder = apply { classpath += entries }

    /** Adds classpath entries given as file system paths. */
    public fun classpath(vararg entries: String): ExtraditeBuilder = apply { entries.mapTo(classpath) { Paths.get(it) } }

    /** Adds package trees that must never load in the host (each package and its sub-packages). */
    public fun protect(vararg packages: String): ExtraditeBuilder = apply {
        for (pkg in packages) {
            require(pkg.isNotBlank() && pkg.split('.').all { it.isJavaIdentifier() }) { "protect(\"$pkg\"): not a package name like com.acme.heavy" }
        }
        protectedPackages += packages
    }

    /** The default way non-scalar values cross the boundary. */
    public fun transportPolicy(policy: TransportPolicy): ExtraditeBuilder = apply { this.policy = policy }

    /** Values that are instances of [type] use [policy]; the most specific matching rule wins. */
    public fun typeRule(type: Class<*>, policy: TransportPolicy): ExtraditeBuilder = apply {
        require(!type.isPrimitive && type !in PolicyRules.SCALAR_TYPES) {
            "typeRule(${type.name}): its values are scalars, which always travel as values; a rule can only change how other values travel"
        }
        val existing = typeRules[type]
        require(existing == null || existing == policy) { "typeRule(${type.name}, $policy) contradicts the earlier typeRule(${type.name}, $existing)" }
        typeRules[type] = policy
    }

    /** Runs the child on the JDK at [path] (the directory holding `bin/java`). */
    public fun javaHome(path: Path): ExtraditeBuilder = apply { javaHome = path }

    /** Adds JVM options for the child, such as `-Xmx2g` or `--add-opens=...`. Passed as arguments, never through a shell. */
    public fun jvmArgs(vararg args: String): ExtraditeBuilder = apply { jvmArgs += args }

    /** Sets an environment variable of the child. */
    public fun env(name: String, value: String): ExtraditeBuilder = apply {
        require(name.isNotEmpty() && '=' !in name && '\u0000' !in name) { "env(\"$name\", ...): not a valid variable name" }
        env[name] = value
    }

    /** Starts the child in [path]. */
    public fun workingDirectory(path: Path): ExtraditeBuilder = apply { workingDirectory = path }

    /** How long the child may take to start and connect before it is stopped and reported. */
    public fun startupTimeout(duration: Duration): ExtraditeBuilder = apply {
        require(!duration.isNegative && !duration.isZero) { "startupTimeout($duration): must be positive" }
        startupTimeout = duration
    }

    /** The largest frame either side accepts, in bytes (at least 64 KiB). A larger argument or result fails with [ExtraditeProtocolError]. */
    public fun maxFrameSize(bytes: Int): ExtraditeBuilder = apply {
        require(bytes >= 64 * 1024) { "maxFrameSize($bytes): must be at least 65536 bytes" }
        maxFrameSize = bytes
    }

    /**
     * Shares one child JVM among every `open()` with the same [key], also across target classes.
     * Each returned [RemoteClass] is a handle; the child stops when the last one closes (or after
     * [keepAlive]). All must use the same settings (classpath, JVM, environment, policies, output);
     * a conflicting one is refused with [IllegalArgumentException] naming the difference.
     */
    public fun shareKey(key: String): ExtraditeBuilder = apply {
        require(key.isNotBlank()) { "shareKey must not be blank" }
        shareKey = key
    }

    /**
     * Keeps an idle shared child warm for [duration] after its last handle closed, so that a new
     * `open()` with the same key reuses it. Requires [shareKey].
     */
    public fun keepAlive(duration: Duration): ExtraditeBuilder = apply {
        require(!duration.isNegative) { "keepAlive($duration): must not be negative" }
        keepAlive = duration
    }

    /** Where the child's stdout and stderr go; see [ChildOutputMode]. */
    public fun childOutput(mode: ChildOutputMode): ExtraditeBuilder = apply { output = mode }

    /**
     * Checks isolation, starts the child JVM and loads the target there; blocks until done.
     *
     * @throws ExtraditeModuleLeakError when a package of the protected tree is already defined in the host.
     * @throws ExtraditeChildExitedError when the child fails to start or connect within the startup timeout.
     * @throws ExtraditeRemoteError when the target class cannot be loaded in the child.
     * @throws IllegalArgumentException when a classpath entry, the working directory or the JDK does not exist.
     */
    public fun open(): RemoteClass {
        check(target.isNotEmpty()) { "a builder from prewarmSession has no target to open" }
        val config = buildConfig()
        config.protectedTree.checkNotDefinedInHost()
        val session = SessionRegistry.acquire(config)
        val remote = RemoteClass(session, target)
        try {
            remote.callBlockingLoad()
        } catch (e: Throwable) {
            remote.close()
            throw e
        }
        return remote
    }

    /**
     * Starts the shared child these settings describe now, without opening the target, so that
     * the first [open] with the same [shareKey] finds it warm; blocks until it is up. This is
     * Java's form of `prewarmSession`:
     *
     * ```java
     * Extradite.target("com.acme.Parser").classpath(parserJar).shareKey("parsers").prewarm();
     * ```
     *
     * Returns true when it started one, false when one was already running. A keep-alive of 30
     * seconds applies unless [keepAlive] says otherwise.
     *
     * @throws IllegalStateException without a [shareKey].
     * @throws ExtraditeModuleLeakError when a package of the protected tree is already defined in the host.
     * @throws ExtraditeChildExitedError when the child fails to start or connect within the startup timeout.
     */
    public fun prewarm(): Boolean {
        checkNotNull(shareKey) { "prewarm() needs shareKey(...): only a shared child outlives the call that starts it" }
        val config = buildConfig()
        config.protectedTree.checkNotDefinedInHost()
        return SessionRegistry.prewarm(config)
    }

    internal fun buildConfig(): SessionConfig {
        require(keepAlive == null || shareKey != null) { "keepAlive(...) requires shareKey(...): only a shared child can be kept warm" }
        val packages = if (target.isEmpty()) protectedPackages else listOf(target.substringBeforeLast('.', "")) + protectedPackages
        val tree = ProtectedTree(packages.distinct())
        for (entry in classpath) require(Files.exists(entry)) { "classpath entry $entry does not exist" }
        workingDirectory?.let { require(Files.isDirectory(it)) { "workingDirectory $it is not a directory" } }
        require(Files.isExecutable(javaHome.resolve("bin").resolve("java")) || Files.isExecutable(javaHome.resolve("bin").resolve("java.exe"))) {
            "javaHome $javaHome has no bin/java; point it at a JDK or JRE directory"
        }
        return SessionConfig(
            target = target,
            classpath = classpath.map { it.toAbsolutePath().normalize() },
            protectedTree = tree,
            policy = policy,
            typeRules = LinkedHashMap(typeRules),
            javaHome = javaHome,
            jvmArgs = jvmArgs.toList(),
            env = LinkedHashMap(env),
            workingDirectory = workingDirectory,
            startupTimeout = startupTimeout,
            maxFrameSize = maxFrameSize,
            shareKey = shareKey,
            keepAlive = keepAlive,
            output = output,
        )
    }

    private companion object {
        fun normalizeTarget(target: String): String {
            val name = if (':' in target) target.replace(':', '.') else target
            require(name.split('.').all { it.isJavaIdentifier() }) {
                "target \"$target\" is not a binary class name like com.acme.heavy.Counter (or com.acme.heavy:Counter)"
            }
            return name
        }
    }
}
