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
 * Kotlin default arguments, for calls that leave trailing arguments out.
 *
 * Kotlin compiles a function whose parameters have default values into the function itself and
 * a synthetic static `name$default` (for a constructor, a synthetic constructor) that takes every
 * parameter, then a bit mask of those to compute from their defaults, then a marker. Which
 * parameters declare a default is written only in the class's Kotlin metadata, read here with
 * kotlin-metadata-jvm (no kotlin-reflect). A call with n arguments may use a function of p > n
 * parameters when parameters n..p-1 all declare defaults, as Kotlin allows for positional
 * arguments; the first n are then chosen among as any overload's are.
 *
 * Not covered: extension and context-parameter functions (their JVM parameters do not line up
 * with the declared ones) and interface methods (their defaults live in `DefaultImpls`). A
 * companion's `@JvmStatic` function is reached through the companion ([Invoker] redirects).
 */
@InternalExtraditeApi
public object KotlinDefaults {
    /**
     * [member] called through [viaDefaults] with only its first [given] arguments; [candidate]
     * describes those for overload resolution.
     */
    public class Shortened(
        public val member: Executable,
        public val viaDefaults: Executable,
        public val given: Int,
        public val candidate: OverloadResolution.Candidate,
    ) {
        private val declared = candidate.executable.parameterCount - if (candidate.isSuspend) 1 else 0

        /** Values for the parameters left out: zeros of their types, which `$default` replaces. */
        private val omitted: Array<Any?> = Array(declared - given) { zeroOf(member.parameterTypes[given + it]) }

        /** The masks (a bit per parameter, 32 a mask) with the omitted parameters' bits set, then the marker. */
        private val masks: Array<Any?> = Array((declared + 31) / 32 + 1) { mask ->
            if (mask == (declared + 31) / 32) null else (given until declared).filter { it / 32 == mask }.fold(0) { bits, i -> bits or (1 shl (i % 32)) }
        }

        private val passesReceiver = viaDefaults is Method && !Modifier.isStatic(member.modifiers)

        /**
         * The arguments of [viaDefaults] for [arguments] (the given ones, then a suspend
         * function's continuation when [withContinuation]) on [receiver].
         */
        public fun expand(receiver: Any?, arguments: Array<Any?>, withContinuation: Boolean): Array<Any?> {
            val out = ArrayList<Any?>(arguments.size + omitted.size + masks.size + 1)
            if (passesReceiver) out.add(receiver)
            for (i in 0 until given) out.add(arguments[i])
            out.addAll(omitted)
            if (withContinuation) out.add(arguments[given])
            out.addAll(masks)
            return out.toTypedArray()
        }
    }

    /** Per class, the JVM signature (name and descriptor) of each function or constructor with defaults, and which of its parameters have one. */
    private val defaultsByClass = object : ClassValue<Map<String, BooleanArray>>() {
        override fun computeValue(type: Class<*>): Map<String, BooleanArray> {
            val annotation = type.getAnnotation(Metadata::class.java) ?: return emptyMap()
            // Metadata of a newer Kotlin than this reader knows may still be readable; unreadable
            // (or inconsistent) metadata means no defaults, never a failed call.
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
                val defaults = parameters.map { it.declaresDefaultValue }.toBooleanArray()
                if (signature == null || defaults.none { it }) null else signature.toString() to defaults
            }.toMap()
        }
    }

    private val markerType: Class<*> = Class.forName("kotlin.jvm.internal.DefaultConstructorMarker")

    /** Of [methods] (all named alike), those that [given] arguments can call with the rest defaulted. */
    public fun methods(methods: List<Method>, given: Int): List<Shortened> = methods.mapNotNull { method ->
        val candidate = OverloadResolution.candidate(method)
        val declared = candidate.parameters.size
        if (declared <= given || !trailingDefaults(method, declared, given)) return@mapNotNull null
        val types = buildList {
            if (!Modifier.isStatic(method.modifiers)) add(method.declaringClass)
            addAll(candidate.parameters)
            if (candidate.isSuspend) add(method.parameterTypes.last())
            repeat((declared + 31) / 32) { add(Int::class.javaPrimitiveType!!) }
            add(Any::class.java)
        }
        val viaDefaults = runCatching { method.declaringClass.getDeclaredMethod(method.name + "\$default", *types.toTypedArray()) }
            .getOrNull()?.takeIf { Modifier.isStatic(it.modifiers) } ?: return@mapNotNull null
        Shortened(method, viaDefaults, given, shortened(candidate, given))
    }

    /** Of [constructors], those that [given] arguments can call with the rest defaulted. */
    public fun constructors(constructors: List<Constructor<*>>, given: Int): List<Shortened> = constructors.mapNotNull { constructor ->
        val declared = constructor.parameterCount
        if (declared <= given || !trailingDefaults(constructor, declared, given)) return@mapNotNull null
        val types = constructor.parameterTypes.toList() + List((declared + 31) / 32) { Int::class.javaPrimitiveType!! } + markerType
        val viaDefaults = runCatching { constructor.declaringClass.getDeclaredConstructor(*types.toTypedArray()) }.getOrNull() ?: return@mapNotNull null
        Shortened(constructor, viaDefaults, given, shortened(OverloadResolution.candidate(constructor), given))
    }

    /** Whether [executable] is a Kotlin declaration of [declared] parameters whose parameters from [given] on all have defaults. */
    private fun trailingDefaults(executable: Executable, declared: Int, given: Int): Boolean {
        val name = if (executable is Method) executable.name else "<init>"
        val returns = if (executable is Method) executable.returnType.descriptorString() else "V"
        val signature = name + executable.parameterTypes.joinToString("", "(", ")") { it.descriptorString() } + returns
        val defaults = defaultsByClass.get(executable.declaringClass)[signature] ?: return false
        return defaults.size == declared && (given until declared).all { defaults[it] }
    }

    private fun shortened(candidate: OverloadResolution.Candidate, given: Int) =
        OverloadResolution.Candidate(candidate.executable, Array(given) { candidate.parameters[it] }, candidate.isSuspend, isVarArgs = false)

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
