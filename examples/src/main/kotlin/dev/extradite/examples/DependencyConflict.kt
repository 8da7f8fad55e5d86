@file:JvmName("DependencyConflict")

package dev.extradite.examples

import com.google.common.base.Joiner
import com.google.common.base.Objects
import dev.extradite.extradite
import kotlinx.coroutines.runBlocking
import java.lang.reflect.InvocationTargetException
import java.net.URLClassLoader
import java.nio.file.Path
import kotlin.io.path.name

/**
 * Three versions of Guava in one run. The host uses its own Guava; `com.acme.legacy.LegacyReport`
 * needs Guava 19 (`Objects.toStringHelper`, removed in 21) and `com.acme.modern.ModernReport`
 * needs Guava 33 (stream collectors Guava 19 lacks). One class path cannot hold both: Maven would
 * pick one Guava and the other target would fail with `NoSuchMethodError`. Extradited, each target
 * runs in its own child JVM on its own class path, as Maven resolved it for that target alone.
 */
fun main() = runBlocking {
    val hostGuava = jarName(Objects::class.java)
    println(Joiner.on(' ').join("host:  ", "Guava from", hostGuava))
    check(hostGuava == "guava-${Demo["guava.host.version"]}.jar") { "the host should use its own Guava, found $hostGuava" }

    val legacyClasspath = Demo.jars("legacy.classpath")
    val modernClasspath = Demo.jars("modern.classpath")
    extradite("com.acme.legacy.LegacyReport") { classpath(*legacyClasspath.toTypedArray()) }.use { legacy ->
        extradite("com.acme.modern.ModernReport") { classpath(*modernClasspath.toTypedArray()) }.use { modern ->
            val legacyGuava = Path.of(legacy.call("guavaJar") as String).name
            val modernGuava = Path.of(modern.call("guavaJar") as String).name
            val legacyLine = legacy.call("describe", "order-17", 3)
            val modernLine = modern.call("describe", "order-17", 3)
            val topWords = modern.call("topWords", "the cat and the hat and the bat", 2)
            println("legacy: Guava from $legacyGuava, Objects.toStringHelper -> $legacyLine")
            println("modern: Guava from $modernGuava, MoreObjects.toStringHelper -> $modernLine, topWords -> $topWords")

            check(legacyGuava == "guava-${Demo["guava.legacy.version"]}.jar") { "the legacy target ran on $legacyGuava" }
            check(modernGuava == "guava-${Demo["guava.modern.version"]}.jar") { "the modern target ran on $modernGuava" }
            check(legacyLine == "order-17{count=3}" && modernLine == legacyLine) { "unexpected reports: $legacyLine, $modernLine" }
            check(topWords == listOf("the", "and")) { "unexpected top words: $topWords" }
        }
    }

    // The host never loaded the targets, nor their Guava: its Objects is still its own, without toStringHelper.
    for (target in listOf("com.acme.legacy.LegacyReport", "com.acme.modern.ModernReport")) {
        check(runCatching { Class.forName(target) }.isFailure) { "the host loaded $target" }
    }
    check(Objects::class.java.methods.none { it.name == "toStringHelper" }) { "the host's Guava has Objects.toStringHelper" }
    check(jarName(Objects::class.java) == hostGuava)

    // What one JVM would do: the legacy target on the host's class path breaks on the host's Guava.
    val legacyJar = legacyClasspath.single { it.name.startsWith("example-legacy-report") }
    val inProcess = describeInProcess(legacyJar)
    println("in-process on the host's Guava, LegacyReport.describe fails: $inProcess")
    check(inProcess is NoSuchMethodError) { "expected NoSuchMethodError in-process, got $inProcess" }
    println("dependency conflict OK: Guava ${Demo["guava.host.version"]}, ${Demo["guava.legacy.version"]} and ${Demo["guava.modern.version"]} in one run")
}

/** The file name of the jar [type] was loaded from. */
private fun jarName(type: Class<*>): String = Path.of(type.protectionDomain.codeSource.location.toURI()).name

/** Runs `LegacyReport.describe` in this JVM, in a class loader whose parent (the host) supplies Guava. */
private fun describeInProcess(legacyJar: Path): Throwable? =
    URLClassLoader(arrayOf(legacyJar.toUri().toURL()), Demo::class.java.classLoader).use { loader ->
        runCatching {
            loader.loadClass("com.acme.legacy.LegacyReport")
                .getMethod("describe", String::class.java, Int::class.javaPrimitiveType)
                .invoke(null, "order-17", 3)
        }.exceptionOrNull()?.let { (it as? InvocationTargetException)?.targetException ?: it }
    }
