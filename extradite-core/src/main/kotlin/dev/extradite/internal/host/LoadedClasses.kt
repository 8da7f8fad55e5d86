package dev.extradite.internal.host

import java.lang.management.ClassLoadingMXBean
import java.lang.management.ManagementFactory

/**
 * The number of classes this JVM has loaded so far, read from its class-loading counter (about
 * 20 ns a read). A session walks the host's class loaders for protected packages only when this
 * changed since its last walk: no class loaded, no package defined.
 */
internal object LoadedClasses {
    /** Null in a runtime image without the `java.management` module; every check then walks. */
    private val counter: ClassLoadingMXBean? = try {
        ManagementFactory.getClassLoadingMXBean()
    } catch (_: LinkageError) {
        null
    }

    /** The total loaded so far, or [UNKNOWN]. */
    fun total(): Long = counter?.totalLoadedClassCount ?: UNKNOWN

    const val UNKNOWN: Long = -1
}
