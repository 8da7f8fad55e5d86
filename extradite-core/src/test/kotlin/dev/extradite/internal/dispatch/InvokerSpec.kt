@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.InternalExtraditeApi
import dev.extradite.UnsupportedInteractionError
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.function.IntUnaryOperator

/** The invoker's member filter: what the host lets a child call on a host object. */
class InvokerSpec : FunSpec({
    val onlyInterfaces = Invoker(InvokerSpec::class.java.classLoader, offeredMethods = FunctionalInterfaces::offeredMethods)

    test("an interface method of a host object may be called") {
        val doubler = IntUnaryOperator { it * 2 }
        onlyInterfaces.call(doubler, doubler.javaClass, "applyAsInt", arrayOf(21)) shouldBe 42
    }

    test("getClass and other methods outside the offered interfaces are refused") {
        val doubler = IntUnaryOperator { it * 2 }
        shouldThrow<UnsupportedInteractionError> { onlyInterfaces.call(doubler, doubler.javaClass, "getClass", arrayOf()) }.message shouldContain "may not be called"
    }

    test("a Kotlin lambda compiled as a class is offered as its function type alone") {
        // What kotlinc emits for a lambda with -Xlambdas=class (the default before Kotlin 2.0):
        // a Lambda subclass whose own invoke takes an int, behind a bridge invoke(Object).
        val classLambda = ClassCompiledLambda()
        FunctionalInterfaces.samNameOf(classLambda.javaClass) shouldBe "invoke"
        FunctionalInterfaces.offeredInterfaces(classLambda.javaClass).map { it.name } shouldBe listOf("kotlin.jvm.functions.Function1", "kotlin.Function", "java.io.Serializable")
        onlyInterfaces.call(classLambda, classLambda.javaClass, "invoke", arrayOf(4)) shouldBe 40
        shouldThrow<UnsupportedInteractionError> { onlyInterfaces.call(classLambda, classLambda.javaClass, "getArity", arrayOf()) }.message shouldContain "may not be called"
    }

    test("fields and properties of a filtered object are refused") {
        shouldThrow<UnsupportedInteractionError> { onlyInterfaces.get("text", String::class.java, "bytes") }.message shouldContain "cannot be read"
    }

    test("variable-arity overloads that expand to the same parameters are ambiguous, as in javac") {
        val invoker = Invoker(InvokerSpec::class.java.classLoader)
        val error = shouldThrow<UnsupportedInteractionError> { invoker.call(VarArgs(), VarArgs::class.java, "f", arrayOf(1)) }
        error.message shouldContain "ambiguous"
    }

    test("a run of calls resolves each overload by its own arguments, reusing a resolution only for the same argument classes") {
        val invoker = Invoker(InvokerSpec::class.java.classLoader)
        val calls = invoker.Calls(Overloads(), Overloads::class.java, "kind")
        val arguments = listOf<Any?>(1, 2, 3L, "s", 4, null, 5L)
        arguments.map { calls.call(arrayOf(it)) } shouldBe listOf("int", "int", "long", "string", "int", "string", "long")
    }
})

class Overloads {
    fun kind(value: Int): String = "int"
    fun kind(value: Long): String = "long"
    fun kind(value: String?): String = "string"
}

class VarArgs {
    fun f(vararg values: Int): Int = values.size
    fun f(first: Int, vararg rest: Int): Int = rest.size + 100
}

/** A lambda as kotlinc compiles it with `-Xlambdas=class`: `kotlin.jvm.internal.Lambda`, `invoke(I)I` and a bridge. */
private class ClassCompiledLambda : kotlin.jvm.internal.Lambda<Int>(1), (Int) -> Int {
    override fun invoke(p1: Int): Int = p1 * 10
}
