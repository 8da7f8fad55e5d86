package dev.extradite.tests

import com.acme.api.Color
import com.acme.api.Point
import com.acme.api.Range
import dev.extradite.ExtraditeModuleLeakError
import dev.extradite.ExtraditeRemoteError
import dev.extradite.UnsupportedInteractionError
import dev.extradite.extradite
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.collections.shouldExist
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Remote exceptions arrive faithfully; protected types never load in the host; shared value types travel. */
class ErrorSpec : FunSpec({
    val failing = Fixtures.open("com.acme.heavy.Failing")
    val shapes = Fixtures.open("com.acme.heavy.Shapes")
    afterSpec {
        failing.close()
        shapes.close()
    }
    val target = failing.newInstance()

    test("a remote exception carries its type, message and traceback; its stack shows the host call site") {
        val error = shouldThrow<ExtraditeRemoteError> { target.callBlocking("fail", "boom") }
        error.remoteTypeName shouldBe "java.lang.IllegalStateException"
        error.remoteMessage shouldBe "boom"
        error.remoteTraceback shouldContain "com.acme.heavy.Failing.fail"
        error.message shouldContain "boom (thrown in the child JVM)"
        error.thrownInHost shouldBe false
        error.stackTrace.toList().shouldExist { it.className.startsWith(ErrorSpec::class.java.name) }
    }

    test("an exception without a message of its own (a failed static initialiser) names its cause") {
        val error = shouldThrow<ExtraditeRemoteError> {
            Fixtures.open("com.acme.heavy.BrokenInit").use { it.newInstance().call("answer") }
        }
        error.remoteTypeName shouldBe "java.lang.ExceptionInInitializerError"
        error.message shouldContain "(thrown in the child JVM); caused by java.lang.IllegalStateException: boom in clinit"
    }

    test("a target whose methods use a class missing from the child's class path names it and the fix") {
        extradite("com.acme.heavy.Callbacks") { classpath(Fixtures.targetJar) }.use { callbacks ->
            // Callbacks.greetAll takes a com.acme.api.Greeter, which only the shared jar holds.
            val callbacksObject = callbacks.newInstance()
            val error = shouldThrow<UnsupportedInteractionError> { callbacksObject.callBlocking("echo", 1) }
            error.message shouldContain "com.acme.api.Greeter"
            error.message shouldContain "classpath(...)"
        }
    }

    test("causes and suppressed exceptions are in the traceback, and the host loads none of their classes") {
        val error = shouldThrow<ExtraditeRemoteError> { target.call("failWithCause") }
        error.remoteTypeName shouldBe "java.io.IOException"
        error.remoteTraceback shouldContain "Caused by: com.acme.heavy.HeavyException: inner problem"
        error.remoteTraceback shouldContain "Suppressed: java.lang.IllegalArgumentException: suppressed problem"
        Fixtures.hostCanLoad("com.acme.heavy.HeavyException").shouldBeFalse()
    }

    test("an exception whose message cannot be read is still reported, by its type, and the child keeps serving") {
        val error = shouldThrow<ExtraditeRemoteError> { target.callBlocking("failUnprintably") }
        error.remoteTypeName shouldBe "com.acme.heavy.Failing\$Unprintable"
        error.remoteTraceback shouldContain "could not be read"
        target.callBlocking("ok") shouldBe "still alive"
    }

    test("a StackOverflowError in the target is reported and the child keeps serving") {
        val error = shouldThrow<ExtraditeRemoteError> { target.call("recurse", 0) }
        error.remoteTypeName shouldBe "java.lang.StackOverflowError"
        target.call("ok") shouldBe "still alive"
    }

    test("a record of the protected tree returned by value is blocked before the host loads it") {
        val error = shouldThrow<ExtraditeModuleLeakError> { target.call("secret") }
        error.message shouldContain "com.acme.heavy.Secret"
        error.message shouldContain "protected tree"
        shouldThrow<ExtraditeModuleLeakError> { target.call("mode") }.message shouldContain "com.acme.heavy.Mode"
        target.call("ok") shouldBe "still alive"
    }

    test("an unknown property names what was looked for") {
        val error = shouldThrow<UnsupportedInteractionError> { target.get("missing") }
        error.message shouldContain "getMissing()"
    }

    test("an array of more dimensions than the host rebuilds is refused, naming the limit; one within it arrives") {
        val error = shouldThrow<UnsupportedInteractionError> { shapes.call("nested", 9) }
        error.message shouldContain "an array of 9 dimensions"
        error.message shouldContain "more than 8"
        val eight = shapes.call("nested", 8)
        eight!!.javaClass.name shouldBe "[".repeat(8) + "Ljava.lang.String;"
    }

    test("@Serializable classes, records and enums both sides load travel as values") {
        shapes.call("mirror", Point(1, 2)) shouldBe Point(2, 1)
        shapes.call("widen", Range(1, 2)) shouldBe Range(0, 3)
        shapes.call("next", Color.RED) shouldBe Color.GREEN
        shapes.call("origin") shouldBe Point(0, 0)
    }
})
