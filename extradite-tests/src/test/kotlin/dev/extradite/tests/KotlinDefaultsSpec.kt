package dev.extradite.tests

import dev.extradite.RemoteObject
import dev.extradite.UnsupportedInteractionError
import dev.extradite.bind
import dev.extradite.named
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain

/** The host's typed view of `com.acme.heavy.Welcome`, with fewer parameters than the target declares. */
interface WelcomeView {
    fun greet(name: String): String

    fun greet(name: String, times: Int): String
}

/** Calls by name that leave out trailing arguments get the target's Kotlin default values, in the child. */
class KotlinDefaultsSpec : FunSpec({
    val welcomes = Fixtures.open("com.acme.heavy.Welcome") { shareKey("kotlin-defaults") }
    val functions = Fixtures.open("com.acme.heavy.WelcomeKt") { shareKey("kotlin-defaults") }
    afterSpec {
        functions.close()
        welcomes.close()
    }
    val welcome = welcomes.newInstance()

    test("trailing arguments left out take their defaults; those passed are used") {
        welcome.callBlocking("greet", "Ann") shouldBe "Hello, Ann!"
        welcome.callBlocking("greet", "Ann", 2) shouldBe "Hello, Ann! Hello, Ann!"
        welcome.callBlocking("greet", "Ann", 2, " / ") shouldBe "Hello, Ann! / Hello, Ann!"
    }

    test("constructors: a trailing parameter left out takes its default") {
        welcomes.newInstance("Hi").callBlocking("greet", "Bo") shouldBe "Hi, Bo!"
        welcomes.newInstance("Hi", '?').callBlocking("greet", "Bo") shouldBe "Hi, Bo?"
    }

    test("a parameter without a default is never filled in: the call fails and says why") {
        val failure = shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("needsTwo", 1) }
        failure.message shouldContain "no overload of com.acme.heavy.Welcome.needsTwo accepts (int)"
        failure.message shouldContain "left out only when it has a Kotlin default value"
        welcome.callBlocking("needsTwo", 1, 2) shouldBe 33
        // The compiler's synthetic constructor is no candidate of its own.
        shouldThrow<UnsupportedInteractionError> { welcomes.newInstance(1, 2, 3, 4) }.message shouldNotContain "DefaultConstructorMarker"
    }

    test("an overload that needs no defaults wins over one that does, as in Kotlin") {
        welcome.callBlocking("pick", 1) shouldBe "exact 1"
        welcome.callBlocking("pick", 1, 3) shouldBe "defaulted 1 3"
    }

    test("plain and defaulted overloads compete on specificity, as in Kotlin") {
        welcome.callBlocking("kind", "s") shouldBe "string s 0"
        welcome.callBlocking("kind", 1) shouldBe "any 1"
        welcome.callBlocking("size", 1) shouldBe "int 1 0"
        welcome.callBlocking("size", 1L) shouldBe "long 1"
    }

    test("the overload that leaves the fewest parameters to defaults wins, as in Kotlin") {
        welcome.callBlocking("few", 1) shouldBe "two 1 1"
        welcome.callBlocking("few", 1, 2, 3) shouldBe "three 1 2 3"
        // Plain overloads ambiguous among themselves lose to a defaulted one more specific than both.
        welcome.callBlocking("amb", "x", "y") shouldBe "string-string 0"
        // A suspend function's trailing vararg left out: more specific than tally(Any), as in Kotlin.
        welcome.call("tally", "x") shouldBe "string 0"
        welcome.call("tally", 1) shouldBe "any 1"
    }

    test("a vararg left out takes its default, or is empty when it has none") {
        welcome.callBlocking("tags") shouldBe listOf("default")
        welcome.callBlocking("tags", "a", "b") shouldBe listOf("a", "b")
        welcome.callBlocking("middle", 1) shouldBe "1 [] 5"
        welcome.callBlocking("middle", 1, named("z", 2)) shouldBe "1 [] 2"
    }

    test("an override takes its superclass's defaults, and a class its interface's") {
        val derived = welcome.callBlocking("derived") as RemoteObject
        derived.callBlocking("describe", 5) shouldBe "derived 5cm"
        // A generic interface's function: the override's parameters are its erased ones' subtypes.
        (welcome.callBlocking("store") as RemoteObject).callBlocking("put", "x") shouldBe "x 1"
        // A superclass's private function of the same signature is no declaration of the subclass's.
        val privateSub = welcome.callBlocking("privateSub") as RemoteObject
        shouldThrow<UnsupportedInteractionError> { privateSub.callBlocking("hidden", 5) }
        privateSub.callBlocking("hidden", 5, 2) shouldBe "sub 5 2"
        welcome.callBlocking("title") shouldBe "Dr. Who"
        welcome.callBlocking("title", "Mr. ") shouldBe "Mr. Who"
    }

    test("a suspend function with defaults") {
        welcome.call("later", "x") shouldBe "later x after 1 ms"
        welcome.call("later", "x", 2L) shouldBe "later x after 2 ms"
    }

    test("a host lambda before a defaulted parameter is adapted as in any call") {
        welcome.callBlocking("apply", { x: Int -> x * 2 }) shouldBe 10
    }

    test("34 parameters: the defaults span two bit masks") {
        // a0 = 100, a1..a33 default to their index: 100 + 561.
        welcome.callBlocking("wide", 100) shouldBe 661
        // a1 and a2 passed as 0; a3..a33 default: 100 + 561 - 1 - 2.
        welcome.callBlocking("wide", 100, 0, 0) shouldBe 658
        // a32 passed, a33 defaulted: the one bit set is in the second mask.
        welcome.callBlocking("wide", *Array(33) { 0 }) shouldBe 33
    }

    test("a companion's functions called as statics (@JvmStatic or not), and a top-level function") {
        welcomes.callBlocking("make") shouldBe "mademade"
        welcomes.callBlocking("make", "ab") shouldBe "abab"
        welcomes.callBlocking("shout") shouldBe "HEY"
        welcomes.callBlocking("shout", "ho") shouldBe "HO"
        // A call the companion's function refuses too is reported against the static the caller named.
        shouldThrow<UnsupportedInteractionError> { welcomes.callBlocking("shout", 1, 2) }
            .message shouldContain "no overload of com.acme.heavy.Welcome.shout accepts (int, int)"
        functions.callBlocking("scaled", 4) shouldBe 40
        functions.callBlocking("scaled", 4, 3) shouldBe 12
    }

    test("batches and typed views use the defaults too") {
        welcome.batchBlocking("greet", listOf(listOf("a"), listOf("b", 2))) shouldBe listOf("Hello, a!", "Hello, b! Hello, b!")
        val view = welcome.bind<WelcomeView>()
        view.greet("Cy") shouldBe "Hello, Cy!"
        view.greet("Cy", 2) shouldBe "Hello, Cy! Hello, Cy!"
    }
})
