package dev.extradite.examples

import java.nio.file.Files
import java.nio.file.Path
import java.util.Properties
import kotlin.io.path.isDirectory
import kotlin.io.path.name

/**
 * Where the build put each demo's libraries, read from `examples.properties` (written by Maven's
 * resource filtering), so every demo runs with nothing but its main class on the command line.
 */
internal object Demo {
    private val properties = Properties().apply {
        val stream = Demo::class.java.getResourceAsStream("/examples.properties")
            ?: error("examples.properties is missing from the classpath: build the examples with mvn -DskipTests verify")
        stream.use { load(it) }
    }

    /** The value of [key] in `examples.properties`. */
    operator fun get(key: String): String =
        properties.getProperty(key) ?: error("examples.properties has no '$key': rebuild the examples with mvn -DskipTests verify")

    /** The directory the build copied the demos' libraries to (`examples/target/libs`). */
    val libs: Path get() = Path.of(this["libs"])

    /** The jars of the directory named by [key], sorted; fails when the build has not made them. */
    fun jars(key: String): List<Path> {
        val directory = Path.of(this[key])
        check(directory.isDirectory()) { "$directory does not exist: build the examples with mvn -DskipTests verify" }
        val jars = Files.list(directory).use { entries -> entries.filter { it.name.endsWith(".jar") }.sorted().toList() }
        check(jars.isNotEmpty()) { "$directory holds no jars: build the examples with mvn -DskipTests verify" }
        return jars
    }
}
