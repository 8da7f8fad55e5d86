package dev.extradite.internal.host

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File

/** `-Dextradite.child.classpath` replaces the search for the child's runtime, and names what is missing. */
class ChildRuntimeClasspathSpec : FunSpec({
    val existing = tempdir("runtime").toPath()

    test("an override is taken as given when every entry exists") {
        ChildRuntimeClasspath.resolve(existing.toString()) shouldBe listOf(existing)
    }

    test("an override naming an entry that does not exist is refused, naming it, before any child starts") {
        val error = shouldThrow<IllegalStateException> {
            ChildRuntimeClasspath.resolve(existing.toString() + File.pathSeparator + "/nonexistent/extradite-jvm-child.jar")
        }
        error.message shouldContain "/nonexistent/extradite-jvm-child.jar, which does not exist"
    }
})
