package dev.extradite.tests

import dev.extradite.PolicySource
import dev.extradite.PolicyTrace
import dev.extradite.RemoteObject
import dev.extradite.TransportPolicy
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs

/** VALUE copies, REFERENCE keeps identity; call override, then type rule, then session default. */
class TransportPolicySpec : FunSpec({
    val valueSession = Fixtures.open("com.acme.heavy.Callbacks") { typeRule(Set::class.java, TransportPolicy.REFERENCE) }
    val referenceSession = Fixtures.open("com.acme.heavy.Callbacks") { transportPolicy(TransportPolicy.REFERENCE) }
    afterSpec {
        valueSession.close()
        referenceSession.close()
    }

    test("under VALUE a list is copied; a per-call REFERENCE override sends it by handle") {
        val target = valueSession.newInstance()
        val list = mutableListOf(1, 2, 3)
        target.call("typeOf", list) shouldBe "java.util.ArrayList"
        val byReference = target.withPolicy(TransportPolicy.REFERENCE)
        byReference.call("typeOf", list) shouldBe "proxy"
        byReference.call("sizeOf", list) shouldBe 3
        byReference.call("echo", list) shouldBeSameInstanceAs list
    }

    test("a per-call override applies to batches and property reads too") {
        val target = valueSession.newInstance()
        val byReference = target.withPolicy(TransportPolicy.REFERENCE)
        target.batch("newList", listOf(listOf(2))) shouldBe listOf(listOf(0, 1))
        val lists = byReference.batch("newList", listOf(listOf(2), listOf(3)))
        lists.forEach { it.shouldBeInstanceOf<RemoteObject>() }
        (lists[1] as RemoteObject).call("size") shouldBe 3
        target.call("hold", listOf(7, 8))
        target.get("held") shouldBe listOf(7, 8)
        val held = byReference.get("held")
        held.shouldBeInstanceOf<RemoteObject>()
        held.call("size") shouldBe 2
    }

    test("a long list of numbers is packed, and arrives as an ArrayList where a parameter or result is declared as one") {
        val target = valueSession.newInstance()
        val numbers = (1..1000).toList()
        target.call("sumArrayList", numbers) shouldBe numbers.sumOf { it.toLong() }
        target.call("sizeOf", numbers) shouldBe 1000
        @Suppress("UNCHECKED_CAST")
        val back = target.call("numbers", 100) as MutableList<Int>
        back shouldBe (0 until 100).toList()
        back.add(100)
        back.last() shouldBe 100
        target.bind(NumberSource::class.java).numbers(50).javaClass shouldBe java.util.ArrayList::class.java
    }

    test("a type rule sends matching values by handle; a call override beats it") {
        val target = valueSession.newInstance()
        target.call("typeOf", setOf(1)) shouldBe "proxy"
        target.call("typeOf", listOf(1)) shouldBe "java.util.ArrayList"
        target.withPolicy(TransportPolicy.VALUE).call("typeOf", setOf(1)) shouldBe "java.util.LinkedHashSet"
        target.withPolicy(TransportPolicy.VALUE).call("echo", setOf(1, 2)) shouldBe setOf(1, 2)
    }

    test("a REFERENCE session sends lists by handle and receives the child's collections as handles") {
        val target = referenceSession.newInstance()
        val list = listOf(1, 2)
        target.call("echo", list) shouldBeSameInstanceAs list
        val childList = target.call("newList", 3)
        childList.shouldBeInstanceOf<RemoteObject>()
        childList.call("size") shouldBe 3
        target.call("echo", "strings stay values") shouldBe "strings stay values"
    }

    test("effectivePolicy reports the policy and where it came from") {
        valueSession.effectivePolicy(setOf(1)) shouldBe PolicyTrace(TransportPolicy.REFERENCE, PolicySource.TYPE_RULE, "java.util.Set")
        valueSession.effectivePolicy(listOf(1)) shouldBe PolicyTrace(TransportPolicy.VALUE, PolicySource.SESSION_DEFAULT, null)
        valueSession.effectivePolicy(setOf(1), TransportPolicy.VALUE) shouldBe PolicyTrace(TransportPolicy.VALUE, PolicySource.CALL_OVERRIDE, null)
        referenceSession.effectivePolicy(listOf(1)) shouldBe PolicyTrace(TransportPolicy.REFERENCE, PolicySource.SESSION_DEFAULT, null)
        // Scalars travel as values whatever the settings, and the trace says so.
        for (scalar in listOf(1, "text", 'c', 2.5, null)) {
            referenceSession.effectivePolicy(scalar, TransportPolicy.REFERENCE) shouldBe PolicyTrace(TransportPolicy.VALUE, PolicySource.ALWAYS_VALUE, null)
        }
        referenceSession.newInstance().withPolicy(TransportPolicy.REFERENCE).call("typeOf", 1) shouldBe "java.lang.Integer"
    }

    test("the most specific type rule wins") {
        Fixtures.open("com.acme.heavy.Callbacks") {
            typeRule(Collection::class.java, TransportPolicy.VALUE)
            typeRule(List::class.java, TransportPolicy.REFERENCE)
        }.use { session ->
            session.effectivePolicy(arrayListOf(1)) shouldBe PolicyTrace(TransportPolicy.REFERENCE, PolicySource.TYPE_RULE, "java.util.List")
            session.effectivePolicy(setOf(1)) shouldBe PolicyTrace(TransportPolicy.VALUE, PolicySource.TYPE_RULE, "java.util.Collection")
        }
    }

    test("invalid policy configurations fail fast") {
        shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Callbacks") { typeRule(Int::class.javaPrimitiveType!!, TransportPolicy.REFERENCE) } }
        shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Callbacks") { typeRule(String::class.java, TransportPolicy.REFERENCE) } }
        val boxed = shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Callbacks") { typeRule(Int::class.javaObjectType, TransportPolicy.REFERENCE) } }
        boxed.message shouldContain "always travel as values"
        shouldThrow<IllegalArgumentException> {
            Fixtures.open("com.acme.heavy.Callbacks") {
                typeRule(List::class.java, TransportPolicy.REFERENCE)
                typeRule(List::class.java, TransportPolicy.VALUE)
            }
        }
    }
})

/** A typed view whose result is declared as an ArrayList. */
interface NumberSource {
    fun numbers(n: Int): java.util.ArrayList<Int>
}
