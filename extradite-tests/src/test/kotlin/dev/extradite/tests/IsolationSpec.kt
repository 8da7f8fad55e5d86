package dev.extradite.tests

import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.extradite
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** The protected tree is checked before anything starts and on every call; the target's name forms are accepted. */
class IsolationSpec : FunSpec({
    test("extradite refuses when a protected package is already defined in the host, naming it") {
        val error = shouldThrow<ExtraditeModuleLeakError> {
            extradite("com.acme.heavy.Counter") {
                classpath(Fixtures.targetJar)
                protect("io.kotest")
            }
        }
        error.message shouldContain "io.kotest"
        error.message shouldContain "already defined in the host"
    }

    test("extradite refuses a target whose own package the host has loaded") {
        val error = shouldThrow<ExtraditeModuleLeakError> { extradite("kotlin.collections.ArrayDeque") }
        error.message shouldContain "kotlin.collections"
    }

    test("a protected package the host loads after the session started fails the next call, and every one after it") {
        Fixtures.open("com.acme.heavy.Counter") { protect("dev.extradite.tests.late") }.use { counters ->
            val counter = counters.newInstance(1)
            counter.call("increment", 1) shouldBe 2
            Class.forName("dev.extradite.tests.late.LateLoaded")
            val error = shouldThrow<ExtraditeModuleLeakError> { counter.call("increment", 1) }
            error.message shouldContain "package dev.extradite.tests.late of the protected tree"
            error.message shouldContain "since session"
            shouldThrow<ExtraditeModuleLeakError> { counter.callBlocking("increment", 1) }
            shouldThrow<ExtraditeModuleLeakError> { counters.newInstance(2) }
        }
    }

    test("a value whose type refers to protected types (a record's component, a property's type argument) is blocked before the host loads any") {
        Fixtures.open("com.acme.heavy.Shapes") { protect("com.acme.api.hidden") }.use { shapes ->
            val wrapped = shouldThrow<ExtraditeModuleLeakError> { shapes.call("wrapped") }
            wrapped.message shouldContain "com.acme.api.Wrapped, whose class refers to com.acme.api.hidden.Inner"
            val notes = shouldThrow<ExtraditeModuleLeakError> { shapes.call("notes") }
            notes.message shouldContain "com.acme.api.Notes, whose class refers to com.acme.api.hidden.Note"
            ClassLoader.getSystemClassLoader().getDefinedPackage("com.acme.api.hidden") shouldBe null
            // The session goes on.
            shapes.call("origin").toString() shouldBe "Point(x=0, y=0)"
        }
    }

    test("the module:Class form names the same target") {
        Fixtures.open("com.acme.heavy:Counter").use { counters ->
            counters.target shouldBe "com.acme.heavy.Counter"
            counters.newInstance(2).call("increment", 1) shouldBe 3
        }
    }

    test("the child does not see the host's classes") {
        Fixtures.open("com.acme.heavy.Probe").use { probe ->
            probe.call("canSee", IsolationSpec::class.java.name) shouldBe false
            probe.call("canSee", "com.acme.api.Point") shouldBe true
        }
        Fixtures.hostCanLoad("com.acme.heavy.Probe").shouldBeFalse()
    }

    test("a malformed target name or protected package is refused with IllegalArgumentException") {
        shouldThrow<IllegalArgumentException> { extradite("not a class!") }.message shouldContain "binary class name"
        shouldThrow<IllegalArgumentException> { extradite("com.acme.heavy.Counter") { protect("1bad") } }
    }
})
