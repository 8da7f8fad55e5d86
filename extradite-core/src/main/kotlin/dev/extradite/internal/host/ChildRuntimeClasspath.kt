package dev.extradite.internal.host

import java.io.File
import java.net.URI
import java.net.URL
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

/**
 * Finds the jars of the child runtime (extradite-jvm-child and what it depends on) so that a
 * user passes only the target's classpath.
 *
 * The child module carries a list of its runtime dependencies (`META-INF/extradite/child-runtime.txt`,
 * written by the build). Each is looked up on the host's own classpath by file name, then in the
 * local Maven repository. extradite's own modules are located from their classes, which also
 * works for reactor builds (`target/classes`). The system property `extradite.child.classpath`
 * (a path-separator separated list) replaces the whole search.
 */
internal object ChildRuntimeClasspath {
    const val MAIN_CLASS = "dev.extradite.child.ChildMain"
    private const val LIST = "META-INF/extradite/child-runtime.txt"

    val entries: List<Path> by lazy { resolve() }

    /** The runtime's entries: [override] (the system property's value) when given, else found from this JVM's class path. */
    internal fun resolve(override: String? = System.getProperty("extradite.child.classpath")): List<Path> {
        override?.takeIf { it.isNotBlank() }?.let { override ->
            // Absolute: the child may run in another working directory.
            val paths = override.split(File.pathSeparator).filter { it.isNotBlank() }.map { Paths.get(it).toAbsolutePath().normalize() }
            val missing = paths.filterNot { java.nio.file.Files.exists(it) }
            check(missing.isEmpty()) {
                "-Dextradite.child.classpath names ${missing.joinToString()}, which does not exist; list the jars (or class directories) of " +
                    "extradite-jvm-child and its dependencies, or leave the property unset to find them on this JVM's class path"
            }
            return paths
        }
        val loader = ChildRuntimeClasspath::class.java.classLoader
        val list = loader.getResource(LIST) ?: throw IllegalStateException(
            "extradite-jvm-child is not on the classpath ($LIST not found); add the dependency " +
                "dev.extradite:extradite-jvm-child to your application, or set -Dextradite.child.classpath",
        )
        val coordinates = list.openStream().bufferedReader().readLines().mapNotNull(::parseCoordinate)
        val classPathJars = classPathJars()
        // Opening every jar the loader sees costs tens of milliseconds in a large application:
        // only when `java.class.path` lacks a dependency.
        val loaderJars by lazy { jarsSeenBy(loader) }
        val missing = mutableListOf<String>()
        val found = LinkedHashSet<Path>()
        found.add(locationOf(loader, MAIN_CLASS.replace('.', '/') + ".class"))
        found.add(locationOf(loader, "dev/extradite/RemoteClass.class"))
        for (c in coordinates) {
            if (c.group == "dev.extradite") continue
            val path = classPathJars[c.fileName] ?: loaderJars[c.fileName]
                ?: localRepository().resolve(c.repositoryPath).takeIf { Files.isRegularFile(it) }
            if (path != null) found.add(path) else if (!c.optional) missing += c.toString()
        }
        if (missing.isNotEmpty()) {
            throw IllegalStateException(
                "cannot find the child runtime's dependencies ${missing.joinToString()} on the host classpath or in the local " +
                    "Maven repository ${localRepository()}; add them to the application or set -Dextradite.child.classpath",
            )
        }
        return found.toList()
    }

    private data class Coordinate(val group: String, val artifact: String, val classifier: String?, val version: String, val optional: Boolean) {
        val fileName: String get() = "$artifact-$version${classifier?.let { "-$it" } ?: ""}.jar"
        val repositoryPath: String get() = "${group.replace('.', '/')}/$artifact/$version/$fileName"
        override fun toString(): String = "$group:$artifact:$version"
    }

    /** Parses `group:artifact:jar[:classifier]:version:scope` lines of `dependency:list`. */
    private fun parseCoordinate(line: String): Coordinate? {
        val token = line.trim().substringBefore(' ')
        val parts = token.split(':')
        if (parts.size !in 5..6 || parts[2] != "jar") return null
        val classifier = if (parts.size == 6) parts[3] else null
        return Coordinate(parts[0], parts[1], classifier, parts[parts.size - 2], optional = line.contains("(optional)"))
    }

    private fun localRepository(): Path = System.getProperty("maven.repo.local")?.let { Paths.get(it) }
        ?: Paths.get(System.getProperty("user.home"), ".m2", "repository")

    /** The jars of `java.class.path`, by file name. */
    private fun classPathJars(): Map<String, Path> {
        val jars = LinkedHashMap<String, Path>()
        System.getProperty("java.class.path").orEmpty().split(File.pathSeparator).filter { it.endsWith(".jar") }.forEach {
            val path = Paths.get(it)
            jars.putIfAbsent(path.fileName.toString(), path)
        }
        return jars
    }

    /** Every jar [loader] sees, by file name, manifest-only classpath jars included. */
    private fun jarsSeenBy(loader: ClassLoader): Map<String, Path> {
        val jars = LinkedHashMap<String, Path>()
        for (url in loader.getResources("META-INF/MANIFEST.MF")) {
            val path = jarOf(url) ?: continue
            jars.putIfAbsent(path.fileName.toString(), path)
        }
        return jars
    }

    private fun locationOf(loader: ClassLoader, resource: String): Path {
        val url = loader.getResource(resource) ?: throw IllegalStateException("cannot locate $resource; is extradite on the classpath?")
        return jarOf(url) ?: Paths.get(url.toURI()).let { file ->
            // A class file in a directory: walk up one level per package segment to the root.
            var root = file
            repeat(resource.count { it == '/' } + 1) { root = root.parent }
            root
        }
    }

    private fun jarOf(url: URL): Path? =
        if (url.protocol == "jar") Paths.get(URI(url.file.substringBefore("!/"))) else null
}
