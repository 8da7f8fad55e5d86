package dev.extradite.tests

import dev.extradite.RemoteObject
import dev.extradite.UnsupportedInteractionError
import dev.extradite.named
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Arguments passed by parameter name (`named(...)`) reach their parameters; those left out take Kotlin defaults. */
class NamedArgumentsSpec : FunSpec({
    val welcomes = Fixtures.open("com.acme.heavy.Welcome") { shareKey("named-arguments") }
    val functions = Fixtures.open("com.acme.heavy.WelcomeKt") { shareKey("named-arguments") }
    val recipes = Fixtures.open("com.acme.heavy.Recipe") { shareKey("named-arguments") }
    afterSpec {
        recipes.close()
        functions.close()
        welcomes.close()
    }
    val welcome = welcomes.newInstance()

    test("named arguments go to their parameters in any order; parameters left out, in the middle too, take their defaults") {
        welcome.callBlocking("greet", "Ann", named("separator", "/"), named("times", 2)) shouldBe "Hello, Ann!/Hello, Ann!"
        welcome.callBlocking("greet", named("name", "Ann")) shouldBe "Hello, Ann!"
        // a33 named, a1..a32 left to their defaults: 1 + (561 - 33) + 0.
        welcome.callBlocking("wide", 1, named("a33", 0)) shouldBe 529
    }

    test("constructors, suspend functions, companions and top-level functions take named arguments") {
        welcomes.newInstance(named("punctuation", '?')).callBlocking("greet", "Bo") shouldBe "Hello, Bo?"
        welcome.call("later", "x", named("millis", 3L)) shouldBe "later x after 3 ms"
        welcomes.callBlocking("make", named("count", 3)) shouldBe "mademademade"
        functions.callBlocking("scaled", named("factor", 2), named("x", 5)) shouldBe 10
        welcome.callBlocking("title", named("prefix", "Ms. ")) shouldBe "Ms. Who"
    }

    test("calls that differ only in their names resolve apart, alone and in a batch") {
        welcome.callBlocking("greet", "a", named("times", 2)) shouldBe "Hello, a! Hello, a!"
        welcome.callBlocking("greet", "b", named("separator", "?")) shouldBe "Hello, b!"
        welcome.batchBlocking("greet", listOf(listOf("a", named("times", 2)), listOf("b", named("separator", "?")), listOf("c"))) shouldBe
            listOf("Hello, a! Hello, a!", "Hello, b!", "Hello, c!")
    }

    test("a Java class compiled with -parameters takes named arguments; one without parameter names refuses them and says why") {
        val recipe = recipes.newInstance(named("servings", 4), named("dish", "soup"))
        recipe.callBlocking("describe", named("loud", true), named("prefix", "> ")) shouldBe "> SOUP FOR 4"
        // Java has no default values: every parameter must be passed.
        val missing = shouldThrow<UnsupportedInteractionError> { recipe.callBlocking("describe", named("prefix", "> ")) }
        missing.message shouldContain "describe(prefix: java.lang.String, loud: boolean)"
        missing.message shouldContain "needs a Kotlin default value"
        val builder = welcome.callBlocking("builder") as RemoteObject
        val unnamed = shouldThrow<UnsupportedInteractionError> { builder.callBlocking("append", named("str", "x")) }
        unnamed.message shouldContain "javac -parameters"
    }

    test("mistakes fail the call with a message that names them") {
        val unknown = shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("greet", "Ann", named("sep", "/")) }
        unknown.message shouldContain "no overload of com.acme.heavy.Welcome.greet accepts (java.lang.String, sep = java.lang.String)"
        unknown.message shouldContain "greet(name: java.lang.String, times: int, separator: java.lang.String)"
        shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("greet", named("name", "A"), 2) }
            .message shouldContain "argument 2 is passed by position after one passed by name (name)"
        shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("greet", "A", named("times", 1), named("times", 2)) }
            .message shouldContain "two arguments are named times"
        // A parameter passed by position cannot be named as well; one without a default cannot be left out.
        shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("greet", "A", named("name", "B")) }
        shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("needsTwo", named("a", 1), named("c", 3)) }
        welcome.callBlocking("needsTwo", named("b", 2), named("a", 1)) shouldBe 33
        shouldThrow<UnsupportedInteractionError> { welcome.callBlocking("greet", listOf(named("name", "A"))) }
            .message shouldContain "inside another value"
        shouldThrow<IllegalArgumentException> { named("not a name", 1) }
    }
})
