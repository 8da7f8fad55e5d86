package dev.extradite.internal.host

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.nio.file.StandardCopyOption
import java.security.MessageDigest
import java.util.HexFormat

/**
 * Application class-data sharing for child JVMs: the first child of a given JDK and runtime
 * classpath records the classes it loaded into an archive when it exits
 * (`-XX:ArchiveClassesAtExit`); every later child maps that archive (`-XX:SharedArchiveFile`) and
 * starts in about half the time (measured here: 340 ms to 165 ms per cold start).
 *
 * A child on JDK 25 or later gets an AOT cache instead (JEPs 483 and 515): the first child
 * records its training data (`-XX:AOTMode=record`); when it has exited, `close()` makes the cache
 * from it with one more JVM run (`-XX:AOTMode=create`, under a second), and later children start
 * from it (`-XX:AOTCache`). The cache also holds the first child's method profiles, so later
 * children compile their hot code sooner (RESULTS.md, session 8).
 * `-Dextradite.cds.aot=false` keeps such children on the dynamic archive.
 *
 * Archives live in `extradite.cds.dir` (default `~/.cache/extradite/cds`), named by a hash of
 * the child's JDK (its path, its `release` file and its class library) and of the runtime jars
 * (paths, sizes, modification times), so an updated JDK or a changed jar gets a new archive. The user's classpath is not part of the key: targets load through their own class
 * loader. A JDK older than 13 cannot make dynamic archives, and a JVM that cannot use an archive
 * falls back silently (its CDS warnings are switched off); `-Dextradite.cds=false` turns this off.
 *
 * A JVM with an agent (`-javaagent`, `-agentlib`, `-agentpath`, `-Xrun`: a debugger, a coverage or
 * tracing agent) refuses to start when asked to record ("CDS dumping does not support native
 * JVMTI agent"), so such a child never records; it still maps an archive recorded without one.
 * Agents are looked for in the child's JVM options and in the `JAVA_TOOL_OPTIONS`,
 * `JDK_JAVA_OPTIONS` and `_JAVA_OPTIONS` of its environment (not in `@argfiles`).
 */
internal object ClassDataSharing {
    /**
     * What one child is started with, and where its archive goes once it has exited. [create],
     * for an AOT cache, turns the recording into the archive's bytes at a path it is given.
     */
    class Plan(
        val jvmArgs: List<String>,
        private val recording: Path?,
        private val archive: Path?,
        private val create: ((recording: Path, output: Path) -> Process)? = null,
    ) {
        /**
         * After the child exited: publish the archive it recorded, if any. An AOT cache is made
         * first, by a JVM run that this waits for (under a second, once per JDK and runtime): a
         * background thread would die with a short-lived host before publishing.
         */
        fun publish() {
            if (recording == null || archive == null) return
            if (create == null) {
                moveInto(recording, archive)
                return
            }
            if (!isNonEmptyFile(recording)) {
                runCatching { Files.deleteIfExists(recording) }
                return
            }
            val made = recording.resolveSibling(recording.fileName.toString() + ".aot")
            val process = try {
                create.invoke(recording, made)
            } catch (_: Exception) {
                runCatching { Files.deleteIfExists(recording) }
                return
            }
            try {
                if (process.waitFor(CREATE_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0) moveInto(made, archive)
                else process.destroyForcibly()
            } catch (_: InterruptedException) {
                process.destroyForcibly()
                Thread.currentThread().interrupt()
            } finally {
                runCatching { Files.deleteIfExists(recording) }
                runCatching { Files.deleteIfExists(made) }
            }
        }

        private fun moveInto(file: Path, target: Path) {
            try {
                if (isNonEmptyFile(file)) {
                    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
                }
            } catch (_: Exception) {
                // Another child published first, or the directory is not writable: sharing is an optimisation only.
            } finally {
                runCatching { Files.deleteIfExists(file) }
            }
        }

        val isRecording: Boolean get() = recording != null

        private fun isNonEmptyFile(file: Path): Boolean = Files.isRegularFile(file) && Files.size(file) > 0

        /**
         * Whether the child's stdout [line] is the JVM's own report of the AOT training data it
         * recorded, which it prints whatever the logging options; it is not the target's output.
         */
        fun isJvmReport(line: String): Boolean = create != null && recording != null && line.trim() == "AOTConfiguration recorded: $recording"
    }

    /** How long the JVM that makes an AOT cache may take. */
    private const val CREATE_TIMEOUT_SECONDS = 60L

    private val disabled = Plan(emptyList(), null, null)

    /**
     * The plan for a child of [javaHome] with [runtimeClasspath], started with [jvmArgs] in an
     * environment of this process's with [env] over it.
     */
    fun planFor(javaHome: Path, runtimeClasspath: List<Path>, jvmArgs: List<String>, env: Map<String, String>): Plan {
        if (System.getProperty("extradite.cds")?.lowercase() == "false") return disabled
        val feature = featureVersion(javaHome)
        if (feature < 13) return disabled
        val aot = feature >= 25 && System.getProperty("extradite.cds.aot")?.lowercase() != "false"
        val directory = System.getProperty("extradite.cds.dir")?.let { Paths.get(it) }
            ?: Paths.get(System.getProperty("user.home"), ".cache", "extradite", "cds")
        return try {
            Files.createDirectories(directory)
            sweepAbandonedRecordings(directory)
            val key = keyOf(javaHome, runtimeClasspath)
            if (aot) return aotPlan(directory.resolve("child-$key.aot"), javaHome, runtimeClasspath, jvmArgs, env)
            val archive = directory.resolve("child-$key.jsa")
            val quiet = listOf("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
            if (Files.isRegularFile(archive)) {
                Plan(quiet + "-XX:SharedArchiveFile=$archive", null, null)
            } else if (hasAgent(jvmArgs, env)) {
                disabled
            } else {
                val recording = Files.createTempFile(directory, "recording-", ".jsa").also { Files.delete(it) }
                Plan(quiet + "-XX:ArchiveClassesAtExit=$recording", recording, archive)
            }
        } catch (_: Exception) {
            disabled
        }
    }

    /** The plan for a child on JDK 25 or later: start from the AOT cache [archive], or record for it. */
    private fun aotPlan(archive: Path, javaHome: Path, runtimeClasspath: List<Path>, jvmArgs: List<String>, env: Map<String, String>): Plan {
        // No -Xshare option: the JVM refuses one beside the AOT options. Without logging, a JVM
        // that cannot use the cache starts without it, silently.
        val quiet = listOf("-Xlog:aot=off", "-Xlog:cds=off")
        if (Files.isRegularFile(archive)) return Plan(quiet + "-XX:AOTCache=$archive", null, null)
        if (hasAgent(jvmArgs, env)) return disabled
        val recording = Files.createTempFile(archive.parent, "recording-", ".aotconf").also { Files.delete(it) }
        val launcher = ChildLauncher.javaLauncher(javaHome)
        return Plan(quiet + listOf("-XX:AOTMode=record", "-XX:AOTConfiguration=$recording"), recording, archive) { config, output ->
            // The JVM options that shape the cache (heap, collector) as the child had them; an
            // argument list, never a shell; its output is of no use to anyone.
            ProcessBuilder(
                listOf(launcher) + quiet + jvmArgs + listOf(
                    "-XX:AOTMode=create", "-XX:AOTConfiguration=$config", "-XX:AOTCache=$output",
                    "-cp", runtimeClasspath.joinToString(java.io.File.pathSeparator),
                ),
            ).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        }
    }

    /**
     * Recordings of children whose host died before publishing them are deleted after ten
     * minutes, and only the newest [KEPT_ARCHIVES] archives are kept (a changed jar makes a new one).
     */
    private fun sweepAbandonedRecordings(directory: Path) {
        val cutoff = System.currentTimeMillis() - 10 * 60 * 1000
        Files.newDirectoryStream(directory, "recording-*").use { stream ->
            for (file in stream) {
                runCatching { if (Files.getLastModifiedTime(file).toMillis() < cutoff) Files.deleteIfExists(file) }
            }
        }
        val archives = Files.newDirectoryStream(directory, "child-*.{jsa,aot}").use { stream -> stream.toList() }
        archives.sortedByDescending { runCatching { Files.getLastModifiedTime(it).toMillis() }.getOrDefault(0L) }
            .drop(KEPT_ARCHIVES)
            .forEach { runCatching { Files.deleteIfExists(it) } }
    }

    private const val KEPT_ARCHIVES = 4

    /** Options that load an agent; `-Xrun` is the old form, as in `-Xrunjdwp:...`. */
    private val AGENT_OPTIONS = listOf("-javaagent:", "-agentlib:", "-agentpath:", "-Xrun")

    /** Whether the child will run an agent: in its JVM options or in the options variables the JVM reads from its environment. */
    private fun hasAgent(jvmArgs: List<String>, env: Map<String, String>): Boolean {
        val fromEnvironment = listOf("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS").mapNotNull { env[it] ?: System.getenv(it) }
        return (jvmArgs + fromEnvironment).any { option -> AGENT_OPTIONS.any { it in option } }
    }

    private fun keyOf(javaHome: Path, classpath: List<Path>): String {
        val digest = MessageDigest.getInstance("SHA-256")
        // The child's JDK, not this one's: a JDK updated in place (same path, new build) must get
        // a new archive, since the JVM refuses an archive made by another build (silently, here).
        // Its `release` file names the build, and its class library is `lib/modules`.
        digest.update(javaHome.toAbsolutePath().normalize().toString().toByteArray())
        runCatching { digest.update(Files.readAllBytes(javaHome.resolve("release"))) }
        for (file in listOf(javaHome.resolve("lib").resolve("modules")) + classpath) {
            digest.update(file.toAbsolutePath().normalize().toString().toByteArray())
            runCatching {
                digest.update(Files.size(file).toString().toByteArray())
                digest.update(Files.getLastModifiedTime(file).toMillis().toString().toByteArray())
            }
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 12)
    }

    /** The JDK's feature version from its `release` file (0 when unknown). */
    private fun featureVersion(javaHome: Path): Int = runCatching {
        val line = Files.readAllLines(javaHome.resolve("release")).first { it.startsWith("JAVA_VERSION=") }
        val version = line.substringAfter('=').trim('"')
        val first = version.substringBefore('.').toInt()
        if (first == 1) version.split('.')[1].toInt() else first
    }.getOrDefault(0)
}
