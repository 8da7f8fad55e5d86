package dev.extradite.tests

import dev.extradite.ExtraditeBuilder
import dev.extradite.RemoteClass
import dev.extradite.extradite
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

/** Where the fixture jars are; the target jar is NOT on this JVM's classpath. */
object Fixtures {
    val targetJar: Path = jar("extradite.fixtures.target")
    val sharedJar: Path = jar("extradite.fixtures.shared")

    private fun jar(property: String): Path {
        val value = System.getProperty(property) ?: error("system property $property is not set; run the tests through Maven")
        return Paths.get(value).also { check(Files.exists(it)) { "$property points at $it, which does not exist" } }
    }

    /** Opens a fixture target class in a fresh child with both fixture jars on its classpath. */
    fun open(target: String, configure: ExtraditeBuilder.() -> Unit = {}): RemoteClass = extradite(target) {
        classpath(targetJar, sharedJar)
        configure()
    }

    /** True when [className] can be loaded by the host test JVM. */
    fun hostCanLoad(className: String): Boolean =
        runCatching { Class.forName(className, false, Fixtures::class.java.classLoader) }.isSuccess
}
