@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.InternalExtraditeApi
import dev.extradite.NamedArgument
import dev.extradite.internal.wire.PackedList
import dev.extradite.UnsupportedInteractionError
import java.lang.reflect.Executable
import java.lang.reflect.Method

/**
 * Chooses among overloads the way `javac` would for arguments of the given runtime types.
 *
 * Scalars that came over the wire are boxed objects but are treated as the primitive they were
 * sent as (an `Int` argument is an `int`), so `f(long)` beats `f(Integer)` for `f(5)` as in Java.
 * Three phases, the first that finds any applicable candidate wins (JLS 15.12.2): strict
 * (identity, primitive widening, subtyping), loose (plus boxing), then variable arity. Among the
 * applicable candidates the most specific one wins; none or several is an
 * [UnsupportedInteractionError] naming the candidates.
 *
 * A proxy of a peer's functional object (a host lambda in the child) also fits, in the loose
 * phases, any functional interface parameter it can be adapted to (see [FunctionalAdapter]).
 */
@InternalExtraditeApi
public object OverloadResolution {
    /**
     * An executable with its parameters as a caller sees them: a suspend function's continuation
     * dropped; for a call that names arguments or leaves parameters to their Kotlin defaults,
     * those the caller passes, in the order passed ([defaultsUsed]: how many are left to their
     * Kotlin defaults).
     */
    public class Candidate(
        public val executable: Executable,
        public val parameters: Array<Class<*>>,
        public val isSuspend: Boolean,
        public val isVarArgs: Boolean = executable.isVarArgs,
        public val defaultsUsed: Int = 0,
    ) {
        /** The executable's own parameters, as declared. */
        private val declared: List<Class<*>> get() = executable.parameterTypes.toList().let { if (isSuspend) it.dropLast(1) else it }

        public fun describe(): String = "${executable.name.substringAfterLast('.')}(${declared.joinToString { it.typeName }})"
    }

    /** How the chosen candidate must be called: [varargsFrom] >= 0 packs the arguments from there into an array. */
    public class Choice(public val candidate: Candidate, public val varargsFrom: Int, public val parameters: List<Class<*>>)

    private val widenings: Map<Class<*>, Set<Class<*>>> = mapOf(
        Byte::class.javaPrimitiveType!! to setOf(Short::class.javaPrimitiveType!!, Int::class.javaPrimitiveType!!, Long::class.javaPrimitiveType!!, Float::class.javaPrimitiveType!!, Double::class.javaPrimitiveType!!),
        Short::class.javaPrimitiveType!! to setOf(Int::class.javaPrimitiveType!!, Long::class.javaPrimitiveType!!, Float::class.javaPrimitiveType!!, Double::class.javaPrimitiveType!!),
        Char::class.javaPrimitiveType!! to setOf(Int::class.javaPrimitiveType!!, Long::class.javaPrimitiveType!!, Float::class.javaPrimitiveType!!, Double::class.javaPrimitiveType!!),
        Int::class.javaPrimitiveType!! to setOf(Long::class.javaPrimitiveType!!, Float::class.javaPrimitiveType!!, Double::class.javaPrimitiveType!!),
        Long::class.javaPrimitiveType!! to setOf(Float::class.javaPrimitiveType!!, Double::class.javaPrimitiveType!!),
        Float::class.javaPrimitiveType!! to setOf(Double::class.javaPrimitiveType!!),
    )

    private val primitiveOfBox: Map<Class<*>, Class<*>> = listOf(
        Boolean::class, Byte::class, Short::class, Char::class, Int::class, Long::class, Float::class, Double::class,
    ).associate { it.javaObjectType to it.javaPrimitiveType!! }

    private val boxOfPrimitive: Map<Class<*>, Class<*>> = primitiveOfBox.entries.associate { (box, primitive) -> primitive to box }

    /**
     * The type an argument counts as: its primitive for a boxed scalar, `ArrayList` for a decoded
     * packed list (it is handed over as one where a parameter asks for it), null for null.
     */
    public fun argumentType(value: Any?): Class<*>? = when (value) {
        null -> null
        is PackedList -> ArrayList::class.java
        else -> primitiveOfBox[value.javaClass] ?: value.javaClass
    }

    public fun candidate(executable: Executable): Candidate {
        val parameters = executable.parameterTypes
        val isSuspend = executable is Method && parameters.isNotEmpty() && parameters.last().name == "kotlin.coroutines.Continuation"
        @Suppress("UNCHECKED_CAST")
        return Candidate(executable, if (isSuspend) parameters.copyOf(parameters.size - 1) as Array<Class<*>> else parameters, isSuspend)
    }

    /** Whether Java widens the primitive type [from] to [to] (or they are the same). */
    public fun widens(from: Class<*>, to: Class<*>): Boolean = from == to || widenings[from]?.contains(to) == true

    /** The primitive type of the box [type] (`int` for `Integer`), or null when it is no box. */
    public fun primitiveOf(type: Class<*>): Class<*>? = primitiveOfBox[type]

    private fun strict(argument: Class<*>?, parameter: Class<*>): Boolean = when {
        argument == null -> !parameter.isPrimitive
        argument.isPrimitive -> parameter.isPrimitive && widens(argument, parameter)
        else -> parameter.isAssignableFrom(argument)
    }

    private fun loose(argument: Class<*>?, parameter: Class<*>): Boolean =
        strict(argument, parameter) ||
            (argument != null && argument.isPrimitive && !parameter.isPrimitive && parameter.isAssignableFrom(boxOfPrimitive.getValue(argument)))

    /** Parameter types for [n] arguments, expanding a variable-arity parameter; null when [n] cannot fit. */
    private fun expanded(candidate: Candidate, n: Int): List<Class<*>>? {
        val fixed = candidate.parameters.size - 1
        if (n < fixed) return null
        val component = candidate.parameters.last().componentType
        return List(n) { if (it < fixed) candidate.parameters[it] else component }
    }

    /** True when a parameter of type [a] is at least as specific as [b] for an argument of type [argument]. */
    private fun atLeastAsSpecific(a: Class<*>, b: Class<*>, argument: Class<*>?): Boolean = when {
        a == b -> true
        a.isPrimitive && b.isPrimitive -> widens(a, b)
        a.isPrimitive != b.isPrimitive -> a.isPrimitive == (argument?.isPrimitive == true)
        else -> b.isAssignableFrom(a)
    }

    /**
     * The candidate to call for [arguments]; [what] names the call for error messages, for
     * example `com.acme.Counter.increment`.
     */
    public fun choose(candidates: List<Candidate>, arguments: Array<Any?>, what: String, adapter: FunctionalAdapter? = null): Choice =
        chooseOrNull(candidates, arguments, what, adapter) ?: throw noneApplies(candidates, arguments, what)

    /** As [choose], but null when no candidate applies (an ambiguity still throws). */
    public fun chooseOrNull(candidates: List<Candidate>, arguments: Array<Any?>, what: String, adapter: FunctionalAdapter? = null): Choice? {
        val types = arguments.map(::argumentType)
        fun adaptable(index: Int, parameter: Class<*>): Boolean {
            val argument = arguments[index] ?: return false
            return adapter != null && !parameter.isInstance(argument) && adapter.canAdapt(argument, parameter)
        }
        val phases: List<Pair<(Candidate) -> List<Class<*>>?, (Int, Class<*>) -> Boolean>> = listOf(
            { c: Candidate -> c.parameters.toList().takeIf { it.size == types.size } } to { i, p -> strict(types[i], p) },
            { c: Candidate -> c.parameters.toList().takeIf { it.size == types.size } } to { i, p -> loose(types[i], p) || adaptable(i, p) },
            { c: Candidate -> if (c.isVarArgs) expanded(c, types.size) else null } to { i, p -> loose(types[i], p) || adaptable(i, p) },
        )
        for ((phase, entry) in phases.withIndex()) {
            val (parametersOf, applicable) = entry
            val matching = candidates.mapNotNull { c ->
                val parameters = parametersOf(c) ?: return@mapNotNull null
                if (parameters.indices.all { applicable(it, parameters[it]) }) c to parameters else null
            }
            if (matching.isEmpty()) continue
            val best = matching.filter { (_, mine) ->
                matching.all { (_, other) -> mine.indices.all { atLeastAsSpecific(mine[it], other[it], types[it]) } }
            }
            // As in Kotlin, among equally specific candidates the one that uses the fewest default values wins.
            val fewest = best.minOfOrNull { it.first.defaultsUsed }
            val preferred = best.filter { it.first.defaultsUsed == fewest }
            // Identical declared signatures (an override seen through several supertypes) are one method.
            val distinct = preferred.distinctBy { (candidate, _) -> candidate.executable.parameterTypes.toList() }
            if (distinct.size == 1) {
                val (chosen, parameters) = distinct.single()
                return Choice(chosen, if (phase == 2) chosen.parameters.size - 1 else -1, parameters)
            }
            val pool = if (best.isEmpty()) matching else best
            throw UnsupportedInteractionError(
                "the call $what(${describeArguments(arguments)}) is ambiguous: ${pool.joinToString { it.first.describe() }} all match. " +
                    "Pass arguments whose types select one overload (for example a Long instead of an Int, or a non-null value).",
            )
        }
        return null
    }

    /**
     * The error for a call to [what] that none of [candidates] accepts, each shown by [describe];
     * [hint] says what else was tried.
     */
    public fun noneApplies(
        candidates: List<Candidate>,
        arguments: Array<Any?>,
        what: String,
        hint: String = "",
        describe: (Candidate) -> String = Candidate::describe,
    ): UnsupportedInteractionError =
        UnsupportedInteractionError(
            if (candidates.isEmpty()) {
                "$what does not exist or is not public"
            } else {
                "no overload of $what accepts (${describeArguments(arguments)}); the candidates are " +
                    candidates.joinToString(transform = describe) + hint
            },
        )

    /** The arguments of a call as its error messages show them: `int, separator = java.lang.String`. */
    private fun describeArguments(arguments: Array<Any?>): String = arguments.joinToString { argument ->
        if (argument is NamedArgument) "${argument.name} = ${argumentType(argument.value)?.typeName ?: "null"}" else argumentType(argument)?.typeName ?: "null"
    }
}
