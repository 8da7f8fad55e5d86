package dev.extradite.internal.host

import dev.extradite.ChildOutputMode
import dev.extradite.TransportPolicy
import java.nio.file.Path
import java.time.Duration

/** Everything a builder collected, validated: what one child JVM is started with. */
internal data class SessionConfig(
    /** The target class, or empty for a session pre-warmed without one. */
    val target: String,
    val classpath: List<Path>,
    val protectedTree: ProtectedTree,
    val policy: TransportPolicy,
    val typeRules: Map<Class<*>, TransportPolicy>,
    val javaHome: Path,
    val jvmArgs: List<String>,
    val env: Map<String, String>,
    val workingDirectory: Path?,
    val startupTimeout: Duration,
    val maxFrameSize: Int,
    val shareKey: String?,
    /** How long an idle shared child stays warm; null when not given (then zero, or 30 s for a pre-warmed one). */
    val keepAlive: Duration?,
    val output: ChildOutputMode,
) {
    /**
     * What makes two configurations start different children, described for an error message;
     * empty when a session started for one can serve the other. The target and protected
     * packages may differ; the keep-alive is not compared here (a session's is set by the first
     * caller that gives one, see `SessionRegistry`).
     */
    fun differencesFrom(other: SessionConfig): List<String> = buildList {
        fun check(name: String, mine: Any?, theirs: Any?) {
            if (mine != theirs) add("$name: the session has $theirs, this call asks for $mine")
        }
        check("classpath", classpath, other.classpath)
        check("javaHome", javaHome, other.javaHome)
        check("jvmArgs", jvmArgs, other.jvmArgs)
        check("env", env, other.env)
        check("workingDirectory", workingDirectory, other.workingDirectory)
        check("transportPolicy", policy, other.policy)
        check("typeRules", typeRules.mapKeys { it.key.name }, other.typeRules.mapKeys { it.key.name })
        check("maxFrameSize", maxFrameSize, other.maxFrameSize)
        check("childOutput", output, other.output)
    }
}
