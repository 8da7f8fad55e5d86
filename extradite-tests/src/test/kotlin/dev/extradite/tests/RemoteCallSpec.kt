package dev.extradite.tests

import com.acme.api.CounterView
import dev.extradite.ExtraditeProtocolError
import dev.extradite.RemoteObject
import dev.extradite.UnsupportedInteractionError
import dev.extradite.bind
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.TimeUnit

/** Constructing a target in the child and driving it: methods, properties, statics, handles, typed views. */
class RemoteCallSpec : FunSpec({
    val counters = Fixtures.open("com.acme.heavy.Counter")
    afterSpec { counters.close() }

    test("the target class is reachable only through classpath(...), never in the host") {
        Fixtures.hostCanLoad("com.acme.heavy.Counter").shouldBeFalse()
        counters.target shouldBe "com.acme.heavy.Counter"
        counters.newInstance(1).callBlocking("increment", 1) shouldBe 2
        Fixtures.hostCanLoad("com.acme.heavy.Counter").shouldBeFalse()
    }

    test("a suspend invoke constructs with the constructor that matches the arguments") {
        val counter = counters(3)
        counter.call("increment", 2) shouldBe 5
        counters().call("increment") shouldBe 1
    }

    test("Kotlin and JavaBean properties read and write by name") {
        val counter = counters.newInstance(4)
        counter.get("value") shouldBe 4
        counter.set("value", 7)
        counter.getBlocking("value") shouldBe 7
        counter.get("isPositive") shouldBe true
        counter.setBlocking("label", "seven")
        counter.get("label") shouldBe "seven"
    }

    test("static methods, static properties and companion members are reached on the RemoteClass") {
        val before = counters.get("created") as Int
        counters.newInstance(1)
        counters.getBlocking("created") shouldBe before + 1
        counters.get("KIND") shouldBe "counter"
        counters.call("describe") shouldBe "Counter companion"
        val made = counters.callBlocking("create", 9) as RemoteObject
        made.get("value") shouldBe 9
    }

    test("a suspend target method is awaited without blocking") {
        val counter = counters(1)
        counter.call("slowIncrement", 4) shouldBe 5
    }

    test("an object that is not a value comes back as a RemoteObject that can be called") {
        val history = counters(6).call("history")
        history.shouldBeInstanceOf<RemoteObject>()
        history.call("size") shouldBe 1
        history.call("first") shouldBe 6
    }

    test("a RemoteObject passed as an argument arrives in the child as the real object") {
        val a = counters(2)
        val b = counters(40)
        a.call("sumWithPeer", b) shouldBe 42
        a.call("isSame", a) shouldBe true
        a.call("isSame", b) shouldBe false
    }

    test("the same remote object comes back as the same proxy") {
        val counter = counters(1)
        counter.call("self") shouldBeSameInstanceAs counter
    }

    test("toString, equals and hashCode go to the remote object") {
        val five = counters(5)
        five.toString() shouldBe "Counter(5)"
        five shouldBe counters(5)
        five shouldNotBe counters(6)
        five.hashCode() shouldBe 5
    }

    test("a target whose toString() returns null or throws is described by its handle, not with a NullPointerException") {
        Fixtures.open("com.acme.heavy.Nameless").use { nameless ->
            val target = nameless.newInstance()
            target.toString() shouldContain "RemoteObject(handle"
            // One whose toString() throws says so, not that its session is closed.
            (target.call("grumpy") as RemoteObject).toString() shouldContain "its toString() threw java.lang.IllegalStateException"
        }
    }

    test("an object whose equals casts its argument blindly can be returned, alone and in a list") {
        Fixtures.open("com.acme.heavy.Sloppy").use { sloppies ->
            val sloppy = sloppies.newInstance()
            sloppy.call("self") shouldBeSameInstanceAs sloppy
            sloppy.call("inList") shouldBe listOf(sloppy)
        }
    }

    test("callAsync returns a future of the result") {
        val counter = counters.newInstance(10)
        counter.callAsync("increment", 5).get(30, TimeUnit.SECONDS) shouldBe 15
    }

    test("callAsync on a RemoteClass calls a static method and completes exceptionally on a remote failure") {
        counters.callAsync("describe").get(30, TimeUnit.SECONDS) shouldBe "Counter companion"
        val failure = shouldThrow<java.util.concurrent.ExecutionException> { counters.callAsync("noSuchMethod").get(30, TimeUnit.SECONDS) }
        failure.cause.shouldBeInstanceOf<UnsupportedInteractionError>()
    }

    test("a typed proxy calls by method name: plain methods block, suspend methods suspend, futures are async") {
        val view = counters(1).bind<CounterView>()
        view.increment(2) shouldBe 3
        view.getValue() shouldBe 3
        view.slowIncrement(1) shouldBe 4
        view.incrementAsync(6).get(30, TimeUnit.SECONDS) shouldBe 10
        val peer = view.peer()
        peer.getValue() shouldBe 100
        view.toString() shouldContain "Counter(10)"
    }

    test("a typed proxy widens numbers as Java does, and refuses a result that does not fit, naming the method") {
        val view = counters(1).bind<LooseCounterView>()
        view.increment(2) shouldBe 3L
        view.add(1L) shouldBe 4.0
        view.incrementAsync(1).get(30, TimeUnit.SECONDS) shouldBe 5L
        val unset = shouldThrow<UnsupportedInteractionError> { view.getLabel() }
        unset.message shouldContain "LooseCounterView.getLabel is declared to return int, but the remote com.acme.heavy.Counter.getLabel returned null"
        view.setLabel("five")
        shouldThrow<UnsupportedInteractionError> { view.getLabel() }.message shouldContain "returned a java.lang.String"
        shouldThrow<UnsupportedInteractionError> { view.history() }.message shouldContain "returned a dev.extradite.RemoteObject"
        // Java widens primitives only: an Integer result is no declared Long.
        shouldThrow<UnsupportedInteractionError> { view.getValue() }.message shouldContain "returned a java.lang.Integer"
    }

    test("a target that is Comparable or Iterable is used as one through bind") {
        Fixtures.open("com.acme.heavy.Version").use { versions ->
            @Suppress("UNCHECKED_CAST")
            val older = versions.newInstance(1, 9).bind(Comparable::class.java) as Comparable<Any>
            val newer = versions.newInstance(2, 0).bind(Comparable::class.java)
            (older < newer) shouldBe true
            listOf(newer, older).sortedWith { a, b -> (a as Comparable<Any>).compareTo(b) }.map { it.toString() } shouldBe
                listOf("Comparable(1.9)", "Comparable(2.0)")
            @Suppress("UNCHECKED_CAST")
            val numbers = versions.newInstance(3, 4).bind(Iterable::class.java) as Iterable<Int>
            numbers.toList() shouldBe listOf(3, 4)
            var sum = 0
            for (n in numbers) sum += n
            sum shouldBe 7
        }
    }

    test("a batch stops at the first call that fails: the calls after it do not run") {
        val counter = counters(0)
        shouldThrow<UnsupportedInteractionError> { counter.batch("increment", listOf(listOf(1), listOf("two"), listOf(4))) }
        counter.get("value") shouldBe 1
    }

    test("batch runs the calls in order in one request") {
        val counter = counters(0)
        counter.batch("increment", listOf(listOf(1), listOf(2), listOf(3))) shouldBe listOf(1, 3, 6)
        counter.batchBlocking("increment", listOf(listOf(10))) shouldBe listOf(16)
    }

    test("a batch of suspend calls, or one that reaches a suspend overload midway, runs every call in order") {
        val counter = counters(0)
        counter.batchBlocking("slowIncrement", listOf(listOf(1), listOf(2))) shouldBe listOf(1, 3)
        // Served as plain calls until the Long overload, which suspends: the rest runs as a coroutine.
        counter.batchBlocking("bump", listOf(listOf(1), listOf(2), listOf(3L), listOf(4), listOf(5L))) shouldBe
            listOf("plain 4", "plain 6", "suspended 9", "plain 13", "suspended 18")
    }

    test("a closed RemoteObject is released and refuses further use, naming its handle") {
        val counter = counters(1)
        counter.isReleased.shouldBeFalse()
        counter.close()
        counter.isReleased.shouldBeTrue()
        val error = shouldThrow<ExtraditeProtocolError> { counter.callBlocking("increment", 1) }
        error.message shouldContain "released"
        error.message shouldContain "com.acme.heavy.Counter"
        counter.toString() shouldContain "released"
    }
})

/** A typed view of `com.acme.heavy.Counter` whose result types differ from the target's: some widen, some do not fit. */
interface LooseCounterView {
    /** `Int` in the target. */
    fun increment(delta: Int): Long

    /** `Long` in the target. */
    fun add(delta: Long): Double

    fun incrementAsync(delta: Int): java.util.concurrent.CompletableFuture<Long>

    /** `String?` in the target. */
    fun getLabel(): Int

    fun setLabel(label: String)

    /** A `History` handle in the target. */
    fun history(): String

    /** `Int` in the target; a boxed `Long` here. */
    fun getValue(): Long?
}
