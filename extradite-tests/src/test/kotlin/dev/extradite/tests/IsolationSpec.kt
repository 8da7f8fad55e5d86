package dev.extradite.tests

import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.extradite
import io.kotest.assertions.throwables.shouldThrow
import kotlin.time.Duration.Companion.seconds
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf

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
            wrapped.message shouldContain "com.acme.api.Wrapped, whose class leads to com.acme.api.hidden.Inner"
            val notes = shouldThrow<ExtraditeModuleLeakError> { shapes.call("notes") }
            notes.message shouldContain "com.acme.api.Notes, whose class leads to com.acme.api.hidden.Note"
            // One step further: a component type's superclass, a nested serializable's property, an array of arrays.
            shouldThrow<ExtraditeModuleLeakError> { shapes.call("holder") }.message shouldContain
                "com.acme.api.Holder, whose class leads to com.acme.api.hidden.Base (through com.acme.api.Mid)"
            shouldThrow<ExtraditeModuleLeakError> { shapes.call("outer") }.message shouldContain "com.acme.api.hidden.Note"
            shouldThrow<ExtraditeModuleLeakError> { shapes.call("mids") }.message shouldContain "com.acme.api.hidden.Base"
            ClassLoader.getSystemClassLoader().getDefinedPackage("com.acme.api.hidden") shouldBe null
            // The session goes on.
            shapes.call("origin").toString() shouldBe "Point(x=0, y=0)"
        }
    }

    test("a protected package that a thread's context class loader defined fails that thread's calls, right after a clean call from another thread") {
        Fixtures.open("com.acme.heavy.Counter") { protect("com.acme.api.hidden") }.use { counters ->
            val counter = counters.newInstance(1)
            /** A blocking call from a fresh thread whose context class loader is [context]; its failure, or null. */
            fun callFrom(context: ClassLoader): Throwable? {
                val failure = java.util.concurrent.CompletableFuture<Throwable?>()
                Thread {
                    Thread.currentThread().contextClassLoader = context
                    failure.complete(runCatching { counter.callBlocking("increment", 1) }.exceptionOrNull())
                }.start()
                return failure.get(30, java.util.concurrent.TimeUnit.SECONDS)
            }
            val application = Thread.currentThread().contextClassLoader
            java.net.URLClassLoader(arrayOf(Fixtures.sharedJar.toUri().toURL()), ClassLoader.getPlatformClassLoader()).use { plugin ->
                Class.forName("com.acme.api.hidden.Base", false, plugin)
                // From the application's loaders all is clean, and the walks say so; the second
                // call loads no class the first did not, so the next walk is skipped unless the
                // context class loader differs.
                callFrom(application) shouldBe null
                callFrom(application) shouldBe null
                val error = callFrom(plugin)
                error.shouldBeInstanceOf<ExtraditeModuleLeakError>()
                error.message shouldContain "package com.acme.api.hidden of the protected tree"
                callFrom(application) shouldBe null
                counter.get("value") shouldBe 4
            }
        }
    }

    test("a class loader a thread used as its context loader for calls is not kept alive by the session's isolation checks") {
        Fixtures.open("com.acme.heavy.Shapes").use { shapes ->
            /** Calls, and decodes a value type, from a thread whose context loader is a fresh one; a weak reference to that loader. */
            fun callFromPlugin(): java.lang.ref.WeakReference<ClassLoader> {
                val plugin = java.net.URLClassLoader(arrayOf(Fixtures.sharedJar.toUri().toURL()), IsolationSpec::class.java.classLoader)
                val thread = Thread {
                    Thread.currentThread().contextClassLoader = plugin
                    shapes.callBlocking("origin").toString() shouldBe "Point(x=0, y=0)"
                }
                thread.start()
                thread.join()
                return java.lang.ref.WeakReference(plugin)
            }
            val plugin = callFromPlugin()
            eventually(20.seconds) {
                System.gc()
                plugin.get() shouldBe null
            }
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
