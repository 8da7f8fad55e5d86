package dev.extradite.child

import java.net.URL
import java.net.URLClassLoader
import java.nio.file.Paths

/**
 * Loads the target and its dependencies from the user's classpath, apart from the child
 * runtime's own libraries, so that the target may bring its own versions of anything.
 *
 * Order: the JDK; then `kotlin.*` from the runtime (one Kotlin standard library in the child,
 * so suspend functions and function types interoperate with the runtime); then the user's
 * classpath; and only for classes it lacks, the runtime's libraries (kotlinx.coroutines,
 * kotlinx.serialization) as a fallback.
 */
internal class TargetClassLoader(classpath: List<String>, private val runtime: ClassLoader) :
    URLClassLoader("extradite-target", classpath.map { Paths.get(it).toUri().toURL() }.toTypedArray(), getPlatformClassLoader()) {

    override fun loadClass(name: String, resolve: Boolean): Class<*> {
        if (name.startsWith("kotlin.")) return runtime.loadClass(name)
        synchronized(getClassLoadingLock(name)) {
            findLoadedClass(name)?.let { return it }
            val type = try {
                super.loadClass(name, false) // platform first, then our URLs
            } catch (_: ClassNotFoundException) {
                runtime.loadClass(name)
            }
            if (resolve) resolveClass(type)
            return type
        }
    }

    override fun getResource(name: String): URL? = super.getResource(name) ?: runtime.getResource(name)

    companion object {
        init {
            registerAsParallelCapable()
        }
    }
}
