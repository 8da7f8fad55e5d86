package dev.extradite.internal.host

import dev.extradite.TransportPolicy
import java.nio.file.Path
import java.time.Duration

/** Everything a builder collected, validated: what one child JVM is started with. */
internal data class SessionConfig(
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
)
