package dev.extradite.tests

import com.acme.api.Greeter
import dev.extradite.ExtraditeRemoteError
import dev.extradite.RemoteObject
import dev.extradite.UnsupportedInteractionError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.function.IntUnaryOperator

/** Host objects cross to the child as handles: lambdas, functional interfaces, application interfaces. */
class CallbackSpec : FunSpec({
    val openersLoader = Thread.currentThread().contextClassLoader
    val callbacks = Fixtures.open("com.acme.heavy.Callbacks")
    afterSpec { callbacks.close() }
    val target = callbacks.newInstance()

    test("a java.util.function callback is called back from the child") {
        target.call("applyTwice", IntUnaryOperator { it * 3 }, 2) shouldBe 18
    }

    test("a Kotlin lambda satisfies a Kotlin function type parameter") {
        target.call("applyKotlin", { x: Int -> x + 100 }, 1) shouldBe 101
    }

    test("a Kotlin lambda is adapted to a Java functional interface it does not implement") {
        target.call("applyTwice", { x: Int -> x + 1 }, 5) shouldBe 7
        // IntCallback lives in the protected tree: the host cannot even load it.
        Fixtures.hostCanLoad("com.acme.heavy.IntCallback") shouldBe false
        target.call("callIntCallback", { x: Int -> x * 10 }, 4) shouldBe 40
        val ran = AtomicInteger()
        target.call("run", { ran.incrementAndGet(); Unit })
        ran.get() shouldBe 1
    }

    test("a Kotlin lambda compiled as a class (-Xlambdas=class, Kotlin 1.x) works as a callback like any other") {
        target.call("applyKotlin", ClassCompiledLambda { it + 100 }, 1) shouldBe 101
        target.call("applyTwice", ClassCompiledLambda { it * 3 }, 2) shouldBe 18
        target.call("accumulate", ClassCompiledLambda { it * 3 + 17 }, 100) shouldBe (0 until 100).sumOf { it * 3L + 17 }
    }

    test("a host object implementing an application interface reaches the target as that interface") {
        val greeter = Greeter { "hello $it" }
        target.call("greetAll", greeter, listOf("ann", "bob")) shouldBe "hello ann;hello bob;"
    }

    test("a host object sent to the child and back is the identical object") {
        val token = Any()
        target.call("echo", token) shouldBeSameInstanceAs token
        target.call("hold", token)
        target.call("isHeld", token) shouldBe true
        target.call("held") shouldBeSameInstanceAs token
    }

    test("handles nested in lists and maps keep identity both ways") {
        val token = Any()
        val counters = Fixtures.open("com.acme.heavy.Counter")
        counters.use {
            val list = target.call("echoList", listOf(token, 1, "x")) as List<*>
            list[0] shouldBeSameInstanceAs token
            list.drop(1) shouldBe listOf(1, "x")
            val map = target.call("echoMap", mapOf("k" to token)) as Map<*, *>
            map["k"] shouldBeSameInstanceAs token
        }
        val child = target.call("newList", 2)
        child shouldBe listOf(0, 1)
        val handle = callbacks.newInstance()
        val echoed = target.call("echoList", listOf(handle, handle)) as List<*>
        echoed[0] shouldBeSameInstanceAs handle
        echoed[1] shouldBeSameInstanceAs handle
    }

    test("host lambdas inside a list or a map's values are adapted to the functional interface the parameter's type argument names") {
        val plusOne: (Int) -> Int = { it + 1 }
        val double: (Int) -> Int = { it * 2 }
        target.call("applyAll", listOf(plusOne, double, IntUnaryOperator { it - 1 }), 10) shouldBe 11 + 20 + 9
        target.call("applyNamed", mapOf("double" to double, "plusOne" to plusOne), "double", 21) shouldBe 42
        target.call("applyAllArrayList", listOf(plusOne, double), 10) shouldBe 31
    }

    test("lambdas in the lists an inner class's constructor takes are adapted to each list's own interface") {
        Fixtures.open("com.acme.heavy.Pairs") { shareKey("pairs") }.use { pairs ->
            Fixtures.open("com.acme.heavy.Pairs\$Both") { shareKey("pairs") }.use { boths ->
                val plusOne: (Int) -> Int = { it + 1 }
                val tenTimes: (Long) -> Long = { it * 10 }
                boths.newInstance(pairs.newInstance(), listOf(plusOne), listOf(tenTimes)).call("apply", 3) shouldBe 4L + 30L
            }
        }
    }

    test("an exception that crossed twice keeps its origin, and its traceback labels each JVM it went through") {
        val error = shouldThrow<ExtraditeRemoteError> {
            target.call("applyTwice", IntUnaryOperator { target.callBlocking("failWith", "deep") as Int }, 1)
        }
        error.thrownInHost shouldBe false
        error.message shouldContain "deep (thrown in the child JVM)"
        val throughHost = error.remoteTraceback.indexOf("It went on through the host JVM")
        val throughChild = error.remoteTraceback.indexOf("It went on through the child JVM")
        (throughHost in 0 until throughChild) shouldBe true
        error.remoteTraceback.substring(throughChild) shouldContain "com.acme.heavy.Callbacks.applyTwice"
    }

    test("an exception thrown by a host callback reaches the host caller with its type and message") {
        val error = shouldThrow<ExtraditeRemoteError> {
            target.call("applyTwice", IntUnaryOperator { throw IllegalStateException("callback failed at $it") }, 3)
        }
        error.remoteTypeName shouldBe "java.lang.IllegalStateException"
        error.remoteMessage shouldBe "callback failed at 3"
        // Thrown here, in the host, and passed back through the target's frames, which the traceback shows.
        error.thrownInHost shouldBe true
        error.message shouldContain "(thrown in the host JVM, by a host object the child called)"
        error.remoteTraceback shouldContain "It went on through the child JVM"
        error.remoteTraceback shouldContain "com.acme.heavy.Callbacks.applyTwice"
    }

    test("the child sees a host callback's exception as an ExtraditeRemoteError it may catch") {
        target.call("describeFailure", Runnable { throw UnsupportedOperationException("nope") }) shouldBe
            "ExtraditeRemoteError|java.lang.UnsupportedOperationException|nope"
    }

    test("callback proxies in the child batch calls: ordered results in one round trip") {
        val calls = AtomicInteger()
        target.call("isBatchable", IntUnaryOperator { it }) shouldBe true
        val sum = target.call("accumulate", { i: Int -> calls.incrementAndGet(); i * 3 + 17 }, 200)
        sum shouldBe (0 until 200).sumOf { it * 3L + 17 }
        calls.get() shouldBe 200
    }

    test("a callback batch stops at the first error") {
        val calls = AtomicInteger()
        val message = target.call("batchUntilFailure", IntUnaryOperator { i ->
            calls.incrementAndGet()
            if (i == 5) throw IllegalArgumentException("stop at 5")
            i
        })
        message shouldBe "stop at 5"
        calls.get() shouldBe 6
    }

    test("a callback the child makes from a thread of its own runs under the context class loader of the thread that opened the session") {
        // A callback thread that last served the spec's session, whose opener had the default loader.
        target.call("applyOnThread", IntUnaryOperator { it + 1 }, 1) shouldBe 2
        java.net.URLClassLoader("plugin", arrayOf(), javaClass.classLoader).use { pluginLoader ->
            val seen = java.util.concurrent.CompletableFuture<ClassLoader?>()
            val continuedWith = java.util.concurrent.CompletableFuture<ClassLoader?>()
            val opener = Thread {
                try {
                    Fixtures.open("com.acme.heavy.Callbacks").use { plugin ->
                        val callbacks = plugin.newInstance()
                        callbacks.callBlocking("applyOnThread", IntUnaryOperator { seen.complete(Thread.currentThread().contextClassLoader); it }, 1)
                        // callAsync decodes, and goes on, under the caller's loader too.
                        callbacks.callAsync("echo", 1).thenApplyAsync({ Thread.currentThread().contextClassLoader }, { it.run() })
                            .whenComplete { loader, error -> if (error != null) continuedWith.completeExceptionally(error) else continuedWith.complete(loader) }
                            .get(30, TimeUnit.SECONDS)
                    }
                } catch (e: Throwable) {
                    seen.completeExceptionally(e)
                    continuedWith.completeExceptionally(e)
                }
            }
            opener.contextClassLoader = pluginLoader
            opener.start()
            opener.join(60_000)
            seen.get(30, TimeUnit.SECONDS) shouldBeSameInstanceAs pluginLoader
            continuedWith.get(30, TimeUnit.SECONDS) shouldBeSameInstanceAs pluginLoader
        }
        // And the spec's own session still runs its callbacks under its opener's loader.
        val own = java.util.concurrent.atomic.AtomicReference<ClassLoader?>()
        target.call("applyOnThread", IntUnaryOperator { own.set(Thread.currentThread().contextClassLoader); it }, 1)
        own.get() shouldBeSameInstanceAs openersLoader
    }

    test("a proxy of one session passed into another session is refused") {
        Fixtures.open("com.acme.heavy.Counter").use { other ->
            val foreign: RemoteObject = other.newInstance(1)
            val error = shouldThrow<UnsupportedInteractionError> { target.call("echo", foreign) }
            error.message shouldContain "cannot be passed to session"
        }
    }
})

/**
 * A lambda as kotlinc compiles it with `-Xlambdas=class` (the default before Kotlin 2.0): a
 * `kotlin.jvm.internal.Lambda` whose own `invoke` takes an `int`, behind a bridge `invoke(Object)`.
 */
private class ClassCompiledLambda(private val body: (Int) -> Int) : kotlin.jvm.internal.Lambda<Int>(1), (Int) -> Int {
    override fun invoke(p1: Int): Int = body(p1)
}
