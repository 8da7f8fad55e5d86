package dev.extradite.internal.host

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith

/** A class whose constant pool holds a type variable called L, a resource path and a generic field. */
@Suppress("unused")
class ReferencesSample<L : java.io.Serializable> {
    val path = "com/acme/hidden/schema.json"
    val items: List<java.util.concurrent.atomic.AtomicLong> = emptyList()

    fun first(values: List<L>): L? = values.firstOrNull()
}

/** Reading class names from constant pools, and following them from class file to class file. */
class ClassFileReferencesSpec : FunSpec({
    fun bytesOf(type: Class<*>): ByteArray =
        type.classLoader.getResourceAsStream(type.name.replace('.', '/') + ".class")!!.use { it.readAllBytes() }

    test("names come from descriptors, signatures and class entries; a type variable's name and a resource path are not names") {
        val names = ClassFileReferences.classNames(bytesOf(ReferencesSample::class.java))
        names shouldContain "java/io/Serializable"
        names shouldContain "java/util/concurrent/atomic/AtomicLong"
        names shouldContain "java/util/List"
        names shouldNotContain "com/acme/hidden/schema.json"
        names.none { ':' in it || '.' in it } shouldBe true
    }

    test("a protected class is found through the classes that lead to it, and named with the one that refers to it") {
        val references = ClassFileReferences(ClassFileReferencesSpec::class.java.classLoader, ProtectedTree(listOf("java.util.concurrent.atomic")), emptySet())
        // The JDK's own classes are not followed, but a reference to one is still seen.
        references.firstProtectedReachable(ReferencesSample::class.java.name)!! shouldStartWith "java.util.concurrent.atomic.AtomicLong"
        val clean = ClassFileReferences(ClassFileReferencesSpec::class.java.classLoader, ProtectedTree(listOf("com.acme.hidden")), emptySet())
        clean.firstProtectedReachable(ReferencesSample::class.java.name) shouldBe null
    }
})
