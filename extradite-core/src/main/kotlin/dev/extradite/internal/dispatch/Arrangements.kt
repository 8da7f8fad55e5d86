@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.InternalExtraditeApi
import java.lang.reflect.Constructor
import java.lang.reflect.Executable
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.metadata.declaresDefaultValue
import kotlin.metadata.jvm.KotlinClassMetadata
import kotlin.metadata.jvm.signature

/**
 * Calls that leave trailing parameters out, or pass arguments by name: each argument goes to its
 * parameter, and the parameters left out take their Kotlin default values.
 *
 * Kotlin compiles a function whose parameters have default values into the function itself and
 * a synthetic static `name$default` (for a constructor, a synthetic constructor) that takes every
 * parameter, then a bit mask of those to compute from their defaults, then a marker. Which
 * parameters declare a default, and their names, are written only in the class's Kotlin
 * metadata, read here with kotlin-metadata-jvm (no kotlin-reflect); a Java class's parameter
 * names only when it was compiled with `javac -parameters`. A parameter without a default is
 * never left out: an arrangement that would leave one out does not exist.
 *
 * Not covered: extension and context-parameter functions (their JVM parameters do not line up
 * with the declared ones), inner classes' constructors (the outer instance is an extra
 * parameter), `@JvmMultifileClass` facades, and interfaces compiled without JVM default methods
 * (their defaults live in `DefaultImpls`). A companion's `@JvmStatic` function is reached
 * through the companion ([Invoker] redirects).
 */
@InternalExtraditeApi
public object Arrangements {
    /**
     * [member] called with argument i in parameter `slots[i]`; through [target], its `$default`
     * method or constructor, when parameters are left out. [candidate] describes the arguments in
     * the order given, for overload resolution.
     */
    public class Arrangement internal constructor(
        public val member: Executable,
        public val target: Executable,
        private val slots: IntArray,
        /** The parameters left to their default values. */
        defaulted: BooleanArray,
        public val candidate: OverloadResolution.Candidate,
    ) {
        private val count = member.parameterCount - if (candidate.isSuspend) 1 else 0
        private val viaDefaults = target !== member

        /**
         * The parameters in declared order before the given arguments are placed: zeros of their
         * types, which `$default` replaces, and an empty array for a vararg left out.
         */
        private val template: Array<Any?> = Array(count) { i ->
            val type = member.parameterTypes[i]
            if (type.isArray && !defaulted[i] && slots.none { it == i }) java.lang.reflect.Array.newInstance(type.componentType, 0) else zeroOf(type)
        }

        /** With defaults: the masks (a bit per parameter, 32 a mask) with the left-out parameters' bits set, then the marker. */
        private val masks: Array<Any?> = if (!viaDefaults) emptyArray() else {
            val words = maskWords(count)
            Array(words + 1) { word ->
                if (word == words) null else (word * 32 until minOf(count, word * 32 + 32)).filter { defaulted[it] }.fold(0) { bits, i -> bits or (1 shl (i % 32)) }
            }
        }

        /** Whether [target] is a static `$default` method that takes the receiver as its first argument. */
        public val takesReceiverAsArgument: Boolean = viaDefaults && target is Method && !Modifier.isStatic(member.modifiers)

        /**
         * The arguments of [target] for [arguments] (in the order given, then a suspend function's
         * continuation when [withContinuation]), on [receiver].
         */
        public fun expand(receiver: Any?, arguments: Array<Any?>, withContinuation: Boolean): Array<Any?> {
            val parameters = template.copyOf()
            for (i in slots.indices) parameters[slots[i]] = arguments[i]
            val out = ArrayList<Any?>(count + masks.size + 2)
            if (takesReceiverAsArgument) out.add(receiver)
            out.addAll(parameters)
            if (withContinuation) out.add(arguments[slots.size])
            out.addAll(masks)
            return out.toTypedArray()
        }
    }

    /**
     * How an executable's parameters are declared: their names, which have a default value, and
     * which is a `vararg` (left out, it is an empty array, as in Kotlin).
     */
    private class Declared(val names: List<String>, val defaults: BooleanArray, val varargs: BooleanArray = BooleanArray(names.size))

    /** Where an executable's declaration is: [declared], and the [owner] whose [method] (itself, or the supertype function it overrides) has the `$default`. */
    private class Declaration(val declared: Declared, val owner: Class<*>, val method: Executable)

    /** Per class, the Kotlin functions and constructors by JVM signature (name and descriptor). */
    private val kotlinDeclarations = object : ClassValue<Map<String, Declared>>() {
        override fun computeValue(type: Class<*>): Map<String, Declared> {
            val annotation = type.getAnnotation(Metadata::class.java) ?: return emptyMap()
            // Metadata of a newer Kotlin than this reader knows may still be readable; unreadable
            // (or inconsistent) metadata means no names and no defaults, never a failed call.
            val metadata = try {
                KotlinClassMetadata.readLenient(annotation)
            } catch (_: Exception) {
                return emptyMap()
            }
            val declarations = when (metadata) {
                is KotlinClassMetadata.Class ->
                    metadata.kmClass.functions.map { it.signature to it.valueParameters } +
                        metadata.kmClass.constructors.map { it.signature to it.valueParameters }
                is KotlinClassMetadata.FileFacade -> metadata.kmPackage.functions.map { it.signature to it.valueParameters }
                is KotlinClassMetadata.MultiFileClassPart -> metadata.kmPackage.functions.map { it.signature to it.valueParameters }
                else -> emptyList()
            }
            return declarations.mapNotNull { (signature, parameters) ->
                signature?.let {
                    it.toString() to Declared(
                        parameters.map { p -> p.name },
                        parameters.map { p -> p.declaresDefaultValue }.toBooleanArray(),
                        parameters.map { p -> p.varargElementType != null }.toBooleanArray(),
                    )
                }
            }.toMap()
        }
    }

    private val markerType: Class<*> = Class.forName("kotlin.jvm.internal.DefaultConstructorMarker")

    /**
     * Of [executables] (methods all named alike, or constructors), the arrangements that take
     * [positional] arguments by position and then those named [names], the rest left to their
     * defaults. A plain call (every parameter by position) is not among them.
     */
    public fun of(executables: List<Executable>, positional: Int, names: List<String>): List<Arrangement> =
        executables.mapNotNull { arrange(it, positional, names) }

    /**
     * Stand-ins, found without reading metadata, for the arrangements of [executables] that leave
     * trailing parameters to their defaults: for each with more than [given] parameters and a
     * `$default` method (its class's or a supertype's) or constructor, a candidate of its first
     * [given] parameters, as if every other one had a default. When none of them beats a plain
     * call, no arrangement can.
     */
    public fun rivals(executables: List<Executable>, given: Int): List<OverloadResolution.Candidate> = executables.mapNotNull { executable ->
        val candidate = OverloadResolution.candidate(executable)
        val count = candidate.parameters.size
        // A suspend function's trailing vararg (not a JVM variable-arity parameter: the continuation comes last) may be left out too.
        val trailingVararg = candidate.isSuspend && count == given + 1 && candidate.parameters.last().isArray
        val hasDefaults = trailingVararg || count > given && when (executable) {
            is Method -> (listOf(executable.declaringClass) + supertypesOf(executable.declaringClass)).any { type ->
                type.declaredMethods.any { it.name == executable.name + "\$default" && Modifier.isStatic(it.modifiers) }
            }
            is Constructor<*> -> executable.declaringClass.declaredConstructors.any {
                it.isSynthetic && it.parameterCount == count + maskWords(count) + 1 && it.parameterTypes.last() == markerType
            }
            else -> false
        }
        if (!hasDefaults) return@mapNotNull null
        OverloadResolution.Candidate(executable, Array(given) { candidate.parameters[it] }, candidate.isSuspend, isVarArgs = false, defaultsUsed = count - given)
    }

    private fun arrange(executable: Executable, positional: Int, names: List<String>): Arrangement? {
        val candidate = OverloadResolution.candidate(executable)
        val count = candidate.parameters.size
        if (positional > count || (names.isEmpty() && positional == count)) return null
        val declaration = declaration(executable, count) ?: return null
        val declared = declaration.declared
        val slots = IntArray(positional + names.size) { it }
        for ((j, name) in names.withIndex()) {
            val slot = declared.names.indexOf(name)
            // A name the executable lacks, or one of the parameters already passed by position.
            if (slot < positional) return null
            slots[positional + j] = slot
        }
        val given = BooleanArray(count).also { for (slot in slots) it[slot] = true }
        // Left out, a parameter takes its default; a vararg without one is an empty array.
        val defaulted = BooleanArray(count) { !given[it] && declared.defaults[it] }
        if ((0 until count).any { !given[it] && !defaulted[it] && !declared.varargs[it] }) return null
        val defaults = defaulted.count { it }
        // Only a trailing vararg left out, nothing named: a plain variable-arity call, resolved as javac would.
        if (defaults == 0 && names.isEmpty() && executable.isVarArgs) return null
        // Every parameter left out counts against the arrangement, an empty vararg too: Kotlin
        // prefers a candidate that fills fewer parameters itself.
        val leftOut = given.count { !it }
        val target = if (defaults == 0) executable else viaDefaults(declaration, count) ?: return null
        val types = Array(slots.size) { candidate.parameters[slots[it]] }
        return Arrangement(executable, target, slots, defaulted, OverloadResolution.Candidate(executable, types, candidate.isSuspend, isVarArgs = false, defaultsUsed = leftOut))
    }

    /** The JVM signature of [executable], as Kotlin metadata keys it: name and descriptor. */
    private fun signatureOf(executable: Executable): String {
        val name = if (executable is Method) executable.name else "<init>"
        val returns = if (executable is Method) executable.returnType.descriptorString() else "V"
        return name + executable.parameterTypes.joinToString("", "(", ")") { it.descriptorString() } + returns
    }

    /**
     * [executable]'s parameter names and defaults, with the function whose `$default` computes
     * them: its own; for an override (which cannot declare defaults) or a forwarder to an
     * interface's method body, the overridable supertype function it overrides, matched by name
     * and parameters that accept its own (a generic supertype's are erased), whose `$default`
     * calls it virtually. Kotlin's from metadata; a Java class's names when it was compiled with
     * `-parameters`; null when the names are unknown.
     */
    private fun declaration(executable: Executable, count: Int): Declaration? {
        val own = kotlinDeclarations.get(executable.declaringClass)[signatureOf(executable)]
        if (own != null && own.names.size != count) return null
        if (executable is Method && !Modifier.isStatic(executable.modifiers) && (own == null || own.defaults.none { it })) {
            for (type in supertypesOf(executable.declaringClass)) {
                val overridden = type.declaredMethods.firstOrNull { overrides(executable, it) } ?: continue
                val inherited = kotlinDeclarations.get(type)[signatureOf(overridden)] ?: continue
                if (inherited.names.size == count && inherited.defaults.any { it }) {
                    return Declaration(Declared(own?.names ?: inherited.names, inherited.defaults, inherited.varargs), type, overridden)
                }
            }
        }
        if (own != null) return Declaration(own, executable.declaringClass, executable)
        val parameters = executable.parameters.take(count)
        if (!parameters.all { it.isNamePresent }) return null
        return Declaration(Declared(parameters.map { it.name }, BooleanArray(count)), executable.declaringClass, executable)
    }

    /** Whether [method] overrides [candidate], a supertype's method: same name, parameters that take its own, and [candidate] overridable. */
    private fun overrides(method: Method, candidate: Method): Boolean =
        candidate.name == method.name && candidate.parameterCount == method.parameterCount && !candidate.isSynthetic &&
            !Modifier.isPrivate(candidate.modifiers) && !Modifier.isStatic(candidate.modifiers) &&
            candidate.parameterTypes.indices.all { candidate.parameterTypes[it].isAssignableFrom(method.parameterTypes[it]) }

    /** The compiler's `$default` method (declared by the declaration's owner) or constructor, if it has one. */
    private fun viaDefaults(declaration: Declaration, count: Int): Executable? {
        val method = declaration.method
        val parameters = method.parameterTypes.toList()
        val masks = List(maskWords(count)) { Int::class.javaPrimitiveType!! }
        return when (method) {
            is Method -> {
                // A suspend function's continuation comes after its parameters, before the masks.
                val types = listOfNotNull(declaration.owner.takeIf { !Modifier.isStatic(method.modifiers) }) + parameters + masks + Any::class.java
                runCatching { declaration.owner.getDeclaredMethod(method.name + "\$default", *types.toTypedArray()) }
                    .getOrNull()?.takeIf { Modifier.isStatic(it.modifiers) }
            }
            is Constructor<*> -> runCatching { method.declaringClass.getDeclaredConstructor(*(parameters + masks + markerType).toTypedArray()) }.getOrNull()
            else -> null
        }
    }

    /**
     * [executable] with its parameter names where they are known, for error messages:
     * `greet(name: String, times: int)`.
     */
    public fun describe(executable: Executable): String {
        val candidate = OverloadResolution.candidate(executable)
        val names = declaration(executable, candidate.parameters.size)?.declared?.names ?: return candidate.describe()
        return "${executable.name.substringAfterLast('.')}(${candidate.parameters.indices.joinToString { "${names[it]}: ${candidate.parameters[it].typeName}" }})"
    }

    /** How many `int` masks a `$default` takes for [count] parameters: a bit each, 32 a mask. */
    private fun maskWords(count: Int): Int = (count + 31) / 32

    private fun zeroOf(type: Class<*>): Any? = when (type) {
        Boolean::class.javaPrimitiveType -> false
        Byte::class.javaPrimitiveType -> 0.toByte()
        Short::class.javaPrimitiveType -> 0.toShort()
        Char::class.javaPrimitiveType -> 0.toChar()
        Int::class.javaPrimitiveType -> 0
        Long::class.javaPrimitiveType -> 0L
        Float::class.javaPrimitiveType -> 0f
        Double::class.javaPrimitiveType -> 0.0
        else -> null
    }
}

/** The superclasses and interfaces of [type], nearest first, breadth first. */
internal fun supertypesOf(type: Class<*>): List<Class<*>> {
    val seen = LinkedHashSet<Class<*>>()
    val queue = ArrayDeque(listOfNotNull(type.superclass) + type.interfaces)
    while (queue.isNotEmpty()) {
        val next = queue.removeFirst()
        if (seen.add(next)) {
            next.superclass?.let(queue::add)
            queue.addAll(next.interfaces)
        }
    }
    return seen.toList()
}
