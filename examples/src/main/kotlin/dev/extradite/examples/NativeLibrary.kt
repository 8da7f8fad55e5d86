@file:JvmName("NativeLibrary")

package dev.extradite.examples

import dev.extradite.extradite
import kotlinx.coroutines.runBlocking
import java.lang.reflect.InvocationTargetException
import java.net.URLClassLoader
import java.nio.file.Path
import kotlin.io.path.exists

/**
 * A JNI library in two isolated class loaders. snappy-java (from Maven Central, native code
 * inside) is installed once on this machine, as on hosts whose temporary directory forbids
 * executables: its native library sits in one directory named by `org.xerial.snappy.lib.path`.
 * The JVM lets only one class loader load a native library file, so the second isolated copy of
 * snappy-java in one JVM fails with `UnsatisfiedLinkError: ... already loaded in another
 * classloader`. Two extradited children are two JVMs: each loads the library, and they work
 * together.
 */
fun main() = runBlocking {
    val snappyJar = Demo.libs.resolve("snappy-java.jar")
    val nativeDirectory = snappyNativeDirectory()
    val libraryName = System.mapLibraryName("snappyjava")
    val settings = mapOf("org.xerial.snappy.lib.path" to nativeDirectory.toString(), "org.xerial.snappy.lib.name" to libraryName)
    println("snappy-java's native library: ${nativeDirectory.resolve(libraryName)}")

    // In one JVM: two isolated class loaders, as two plugins or two web applications would have.
    settings.forEach(System::setProperty)
    isolatedLoader(snappyJar).use { first ->
        isolatedLoader(snappyJar).use { second ->
            val firstResult = compressIn(first)
            val secondResult = compressIn(second)
            println("in one JVM, class loader 1: ${firstResult.fold({ "compressed to ${it.size} bytes" }, { "failed: $it" })}")
            println("in one JVM, class loader 2: ${secondResult.fold({ "compressed to ${it.size} bytes" }, { "failed: $it" })}")
            check(firstResult.isSuccess) { "the first class loader should load snappy-java: ${firstResult.exceptionOrNull()}" }
            val failure = secondResult.exceptionOrNull()
            check(failure is UnsatisfiedLinkError && "already loaded in another classloader" in failure.message.orEmpty()) {
                "the second class loader should fail with UnsatisfiedLinkError, got ${failure ?: "success"}"
            }
        }
    }

    // Extradited: two children, each loading the same native library, one compressing for the other.
    val childSettings = settings.map { (name, value) -> "-D$name=$value" }.toTypedArray()
    val input = "extradite runs each copy of the library in its own JVM. ".repeat(64).toByteArray()
    extradite("org.xerial.snappy.Snappy") { classpath(snappyJar); jvmArgs(*childSettings) }.use { compressor ->
        extradite("org.xerial.snappy.Snappy") { classpath(snappyJar); jvmArgs(*childSettings) }.use { decompressor ->
            val compressed = compressor.call("compress", input) as ByteArray
            val restored = decompressor.call("uncompress", compressed) as ByteArray
            val version = decompressor.call("getNativeLibraryVersion")
            println("child 1 compressed ${input.size} bytes to ${compressed.size}; child 2 (native $version) restored ${restored.size}")
            check(compressed.size < input.size && restored.contentEquals(input)) { "the round trip through two children lost data" }
        }
    }
    check(runCatching { Class.forName("org.xerial.snappy.Snappy") }.isFailure) { "snappy-java leaked onto the host's class path" }
    println("native library OK: one native library, two class loaders failed in-process, two children worked")
}

/** Where the build unpacked snappy-java's native library for this OS and CPU. */
private fun snappyNativeDirectory(): Path {
    val osName = System.getProperty("os.name")
    val os = when {
        osName.startsWith("Linux") -> "Linux"
        osName.startsWith("Mac") -> "Mac"
        osName.startsWith("Windows") -> "Windows"
        else -> osName
    }
    val arch = when (val cpu = System.getProperty("os.arch")) {
        "amd64", "x86_64" -> "x86_64"
        "aarch64", "arm64" -> "aarch64"
        else -> cpu
    }
    val directory = Demo.libs.resolve("snappy-native/org/xerial/snappy/native/$os/$arch")
    check(directory.resolve(System.mapLibraryName("snappyjava")).exists()) {
        "snappy-java ships no native library for $os/$arch in $directory; this demo needs one of its supported platforms"
    }
    return directory
}

/** A class loader that sees snappy-java and the JDK only, like a plugin's. */
private fun isolatedLoader(jar: Path) = URLClassLoader(arrayOf(jar.toUri().toURL()), ClassLoader.getPlatformClassLoader())

/** `Snappy.compress` in [loader]'s copy of snappy-java, which loads the native library on first use. */
private fun compressIn(loader: ClassLoader): Result<ByteArray> = runCatching {
    try {
        loader.loadClass("org.xerial.snappy.Snappy").getMethod("compress", ByteArray::class.java)
            .invoke(null, "hello from one class loader".toByteArray()) as ByteArray
    } catch (failure: InvocationTargetException) {
        throw failure.targetException
    }
}
