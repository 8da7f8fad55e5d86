@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.dispatch

import dev.extradite.InternalExtraditeApi
import dev.extradite.NamedArgument
import dev.extradite.UnsupportedInteractionError
import java.lang.reflect.Constructor
import java.lang.reflect.Executable
import java.lang.reflect.Field
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Member
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.net.URLClassLoader
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/**
 * Carries out constructions, method calls and property accesses on target objects by name.
 *
 * Resolution happens once per (class, member, argument types) and is cached as an accessible
 * reflective member ([Invocation] says why not a `MethodHandle`); later calls with the same
 * shapes go straight to it. Thread safe.
 */
@InternalExtraditeApi
public class Invoker(
    private val loader: ClassLoader,
    private val adapter: FunctionalAdapter? = null,
    /**
     * When set, the only methods of a class that may be called (the host offers those of its
     * objects' public interfaces); fields and properties are refused.
     */
    private val offeredMethods: ((Class<*>) -> List<Method>)? = null,
) {
    private val classes = ConcurrentHashMap<String, Class<*>>()
    private val calls = ConcurrentHashMap<CallKey, Invocation>()
    private val getters = ConcurrentHashMap<MemberKey, Invocation>()

    private enum class Kind { CONSTRUCTOR, STATIC, INSTANCE }

    /**
     * What a resolution depends on: the member and the runtime class of each argument (null for
     * null), and the names of those passed by name. Built on every call, so it allocates one
     * array and hashes once.
     */
    private class CallKey(val type: Class<*>, val name: String, val kind: Kind, arguments: Array<Any?>) {
        private val argumentClasses = arrayOfNulls<Class<*>>(arguments.size).also { classes ->
            for (i in arguments.indices) classes[i] = arguments[i]?.javaClass
        }

        /** The names of the arguments passed by name with their values' classes; null when none is (the usual case). */
        private val named = if (NamedArgument::class.java in argumentClasses) namedShape(arguments) else null
        private val hash = (((type.hashCode() * 31 + name.hashCode()) * 31 + kind.ordinal) * 31 + argumentClasses.contentHashCode()) * 31 + named.hashCode()

        override fun hashCode(): Int = hash

        override fun equals(other: Any?): Boolean = other is CallKey && other.hash == hash && other.type === type &&
            other.kind == kind && other.name == name && other.argumentClasses.contentEquals(argumentClasses) && other.named == named

        /** Whether [arguments] have the classes (and names) this key was made of (same member assumed). */
        fun matches(arguments: Array<Any?>): Boolean {
            if (arguments.size != argumentClasses.size) return false
            for (i in arguments.indices) if (arguments[i]?.javaClass !== argumentClasses[i]) return false
            return named == null || named == namedShape(arguments)
        }

        private fun namedShape(arguments: Array<Any?>): List<Pair<String, Class<*>?>> =
            arguments.filterIsInstance<NamedArgument>().map { it.name to it.value?.javaClass }
    }

    private data class MemberKey(val type: Class<*>, val name: String, val isStatic: Boolean)

    /**
     * A resolved member, made accessible, and how to lay out its arguments: a [Method], a
     * [Constructor], or a [Field] that is read, or written when [writesField].
     *
     * Calls go through core reflection rather than spread `(Object[])Object` method handles.
     * Warm, both cost 5–12 ns a call; cold, in a plain JDK 17 JVM, the first spread handle took
     * 12–16 ms (it spins lambda-form classes) and each new signature about 2 ms, against 0.4 ms
     * for the first reflective call (measured in session 3). In a child, whose Kotlin lambdas
     * have set up `java.lang.invoke` already, a cold start did not move measurably either way,
     * so the simpler of two equally fast paths is kept. (From JDK 18, `Method.invoke` is itself
     * built on method handles.)
     */
    private inner class Invocation(
        val member: Member,
        val isSuspend: Boolean,
        val varargsFrom: Int,
        val varargsComponent: Class<*>?,
        /** For static calls redirected to a Kotlin `companion object` or `object` instance. */
        val redirect: Any? = null,
        /** Per argument, how it is fitted to its parameter ([Adaptation]); null where it is passed as it is. */
        val adaptTo: Array<Adaptation?>? = null,
        val writesField: Boolean = false,
        /**
         * For a call that leaves parameters out or names its arguments: where each argument goes,
         * and [member] is the `$default` method or constructor when parameters are left out.
         */
        val arrangement: Arrangements.Arrangement? = null,
    ) {
        fun redirectedTo(singleton: Any): Invocation =
            Invocation(member, isSuspend, varargsFrom, varargsComponent, singleton, adaptTo, writesField, arrangement)

        /**
         * Calls the member as a plain call, or returns [Suspends] without calling anything when it
         * is a suspend function (then only [invoke] can call it).
         */
        fun invokeDirect(receiver: Any?, given: Array<Any?>): Any? =
            if (isSuspend) Suspends else reflect(redirect ?: receiver, prepare(given))

        suspend fun invoke(receiver: Any?, given: Array<Any?>): Any? {
            if (!isSuspend) return reflect(redirect ?: receiver, prepare(given))
            val packed = prepare(given)
            return suspendCoroutineUninterceptedOrReturn { continuation ->
                val withContinuation = packed.copyOf(packed.size + 1)
                withContinuation[packed.size] = continuation
                reflect(redirect ?: receiver, withContinuation)
            }
        }

        /** [given] as the member takes them: peers' functional objects adapted, variable arity packed. */
        private fun prepare(given: Array<Any?>): Array<Any?> {
            var arguments = if (arrangement == null) given else Array(given.size) { unwrap(given[it]) }
            if (adaptTo != null) {
                if (arguments === given) arguments = given.copyOf()
                for (i in arguments.indices) {
                    val adaptation = adaptTo.getOrNull(i) ?: continue
                    val argument = arguments[i] ?: continue
                    arguments[i] = adaptation.apply(argument, adapter)
                }
            }
            if (varargsFrom < 0) return arguments
            val rest = java.lang.reflect.Array.newInstance(varargsComponent!!, arguments.size - varargsFrom)
            for (i in varargsFrom until arguments.size) java.lang.reflect.Array.set(rest, i - varargsFrom, arguments[i])
            return arrayOf(*arguments.copyOf(varargsFrom), rest)
        }

        /** Calls [member]; the target's own exception comes out as itself, as a direct call would throw it. */
        private fun reflect(self: Any?, arguments: Array<Any?>): Any? = try {
            when (member) {
                is Method -> when {
                    arrangement == null -> member.invoke(self, *arguments)
                    arrangement.takesReceiverAsArgument -> member.invoke(null, *arrangement.expand(self, arguments, isSuspend))
                    else -> member.invoke(self, *arrangement.expand(self, arguments, isSuspend))
                }
                is Constructor<*> -> member.newInstance(*(arrangement?.expand(null, arguments, false) ?: arguments))
                is Field -> if (writesField) member.set(self, arguments[0]).let { null } else member.get(self)
                else -> error("unexpected member $member")
            }
        } catch (e: InvocationTargetException) {
            throw e.targetException
        }
    }

    /** Loads (and initializes) the class [name] with this invoker's class loader; a missing class names the classpath. */
    public fun loadClass(name: String): Class<*> = classes.getOrPut(name) {
        try {
            Class.forName(name, true, loader)
        } catch (e: ClassNotFoundException) {
            val entries = (loader as? URLClassLoader)?.urLs?.joinToString { it.path } ?: "?"
            throw ClassNotFoundException("$name is not on the child's classpath [$entries]; pass the jar that holds it with classpath(...)", e)
        }
    }

    /** Constructs [type] with the constructor that matches [arguments]. */
    public fun construct(type: Class<*>, arguments: Array<Any?>): Any {
        if (Modifier.isAbstract(type.modifiers) || type.isInterface) {
            throw UnsupportedInteractionError("${type.name} is ${if (type.isInterface) "an interface" else "abstract"}; it cannot be constructed")
        }
        val invocation = calls.getOrPut(CallKey(type, "<init>", Kind.CONSTRUCTOR, arguments)) {
            // The compiler's synthetic constructors (those that compute default values) are not the class's own.
            val constructors = linked(type) { it.constructors }.filter { !it.isSynthetic }
            chosen(constructors, arguments, "new ${type.name}", null, { positional, names -> Arrangements.of(constructors, positional, names) })
        }
        // A constructor never suspends.
        return invocation.invokeDirect(null, arguments)!!
    }

    /** Calls [name] on [receiver] (an instance of [type]), or the static method when [receiver] is null. */
    public suspend fun call(receiver: Any?, type: Class<*>, name: String, arguments: Array<Any?>): Any? =
        invocationFor(receiver, type, name, arguments).second.invoke(receiver, arguments)

    /**
     * As [call], as a plain call with no coroutine machinery; returns [Suspends], having called
     * nothing, when the member is a suspend function (call it with [call] then).
     */
    public fun callDirect(receiver: Any?, type: Class<*>, name: String, arguments: Array<Any?>): Any? =
        invocationFor(receiver, type, name, arguments).second.invokeDirect(receiver, arguments)

    private fun invocationFor(receiver: Any?, type: Class<*>, name: String, arguments: Array<Any?>): Pair<CallKey, Invocation> {
        val kind = if (receiver == null) Kind.STATIC else Kind.INSTANCE
        val key = CallKey(type, name, kind, arguments)
        return key to calls.getOrPut(key) { resolveCall(type, name, kind, arguments) }
    }

    /**
     * Calls of [name] on [receiver] one after another, as a batch makes them: a call whose
     * argument classes are those of the call before reuses its resolution without building a
     * key or consulting the shared cache. Not thread safe; one per batch.
     */
    public inner class Calls(private val receiver: Any?, private val type: Class<*>, private val name: String) {
        private var last: Pair<CallKey, Invocation>? = null

        /** Calls the member with [arguments]. */
        public suspend fun call(arguments: Array<Any?>): Any? = resolve(arguments).invoke(receiver, arguments)

        /** As [Invoker.callDirect]: [Suspends], having called nothing, when the member is a suspend function. */
        public fun callDirect(arguments: Array<Any?>): Any? = resolve(arguments).invokeDirect(receiver, arguments)

        private fun resolve(arguments: Array<Any?>): Invocation =
            (last?.takeIf { it.first.matches(arguments) } ?: invocationFor(receiver, type, name, arguments).also { last = it }).second
    }

    /**
     * [members] of [type]; the JVM links every signature type of a class's members at once, so one
     * class missing from the target's class path fails them all: say which and what to do.
     */
    private inline fun <T> linked(type: Class<*>, members: (Class<*>) -> Array<T>): Array<T> = try {
        members(type)
    } catch (missing: NoClassDefFoundError) {
        throw UnsupportedInteractionError(
            "${type.name} cannot be used: its methods refer to ${missing.message?.replace('/', '.')}, which is not on the " +
                "child's class path; add the jar that holds it to classpath(...)",
        )
    }

    private fun resolveCall(type: Class<*>, name: String, kind: Kind, arguments: Array<Any?>): Invocation {
        // Compiler bridges (generics) and `$default` methods are synthetic; Kotlin's forwarders to an
        // interface's method bodies are bridges but not synthetic, and are the only way to them.
        val named = linked(type) { it.methods }.filter { it.name == name && !it.isSynthetic }
            .filter { kind == Kind.INSTANCE || Modifier.isStatic(it.modifiers) }
        val methods = if (offeredMethods == null) named else offeredMethods.invoke(type).filter { it.name == name }
        if (methods.isEmpty() && named.isNotEmpty()) {
            throw UnsupportedInteractionError("${type.name}.$name may not be called from the other side; only the methods of its public interfaces are offered")
        }
        if (methods.isEmpty() && kind == Kind.STATIC) {
            singletonOf(type)?.let { singleton ->
                return resolveCall(singleton.javaClass, name, Kind.INSTANCE, arguments).redirectedTo(singleton)
            }
        }
        val what = "${type.name}.$name"
        if (methods.isEmpty()) {
            // What a caller can call: not the compiler's helpers ($default, access$...) nor the
            // monitor methods and getClass that every object has.
            val names = linked(type) { it.methods }
                .filter { (kind == Kind.INSTANCE || Modifier.isStatic(it.modifiers)) && !it.isSynthetic && '$' !in it.name && it.name !in OBJECT_INTERNALS }
                .map { it.name }.distinct().sorted()
            val static = if (kind == Kind.STATIC) "static " else ""
            val closest = names.filter { editDistance(it.lowercase(), name.lowercase()) <= 2 }.minByOrNull { editDistance(it, name) }
            throw UnsupportedInteractionError(
                "${type.name} has no public ${static}method named '$name'" + (closest?.let { "; did you mean '$it'?" } ?: ".") +
                    " Its public ${static}methods are: " + names.take(MAX_LISTED).joinToString() +
                    (if (names.size > MAX_LISTED) " and ${names.size - MAX_LISTED} more" else ""),
            )
        }
        val arrangements = { positional: Int, names: List<String> -> if (offeredMethods == null) Arrangements.of(methods, positional, names) else emptyList() }
        return chosen(methods, arguments, what, type, arrangements) {
            // A Kotlin companion's (or object's) @JvmStatic function: the static bridge has no
            // `$default`, nor parameter names; the function it bridges to has. When that does not
            // accept the call either, the error is about the static the caller named.
            val kotlin = kind == Kind.STATIC && offeredMethods == null && type.isAnnotationPresent(Metadata::class.java)
            val singleton = if (kotlin) singletonOf(type) else null
            singleton?.takeIf { s -> s.javaClass.methods.any { it.name == name } }?.let { s ->
                try {
                    resolveCall(s.javaClass, name, Kind.INSTANCE, arguments).redirectedTo(s)
                } catch (_: UnsupportedInteractionError) {
                    null
                }
            }
        }
    }

    /**
     * The invocation of the one of [executables] that [arguments] select, by position, or by one
     * of the [arrangements] of positional and named arguments (parameters left out take their
     * Kotlin defaults); when none applies, what [otherwise] finds.
     */
    private inline fun chosen(
        executables: List<Executable>,
        arguments: Array<Any?>,
        what: String,
        receiverType: Class<*>?,
        arrangements: (positional: Int, names: List<String>) -> List<Arrangements.Arrangement>,
        otherwise: () -> Invocation? = { null },
    ): Invocation {
        val candidates = executables.map(OverloadResolution::candidate)
        val names = namesOf(arguments)
        if (names.isEmpty()) {
            // Reading Kotlin metadata costs a young child tens of milliseconds (its reader's classes
            // load and run interpreted): only when a function with defaults could beat the plain call.
            // Plain overloads that are ambiguous among themselves may still lose to a more specific defaulted one.
            val plain = try {
                OverloadResolution.chooseOrNull(candidates, arguments, what, adapter)
            } catch (ambiguous: UnsupportedInteractionError) {
                if (offeredMethods != null) throw ambiguous
                null
            }
            if (plain != null && (offeredMethods != null || !couldLoseToDefaults(plain, executables, arguments, what))) return invocationOf(plain, receiverType)
        }
        val arranged = arrangements(arguments.size - names.size, names)
        val values = if (names.isEmpty()) arguments else Array(arguments.size) { unwrap(arguments[it]) }
        // All by position, plain calls and calls that leave parameters to their defaults compete
        // on specificity, as in Kotlin (which also prefers the plain one when that ties).
        val pool = if (names.isEmpty()) candidates + arranged.map { it.candidate } else arranged.map { it.candidate }
        OverloadResolution.chooseOrNull(pool, values, what, adapter)?.let { choice ->
            return invocationOf(choice, receiverType, arranged.firstOrNull { it.candidate === choice.candidate })
        }
        otherwise()?.let { return it }
        if (names.isNotEmpty()) throw OverloadResolution.noneApplies(candidates, arguments, what, NAMES_HINT) { Arrangements.describe(it.executable) }
        val couldLeaveOut = offeredMethods == null && candidates.any { it.parameters.size > arguments.size } &&
            executables.any { it.declaringClass.isAnnotationPresent(Metadata::class.java) }
        throw OverloadResolution.noneApplies(candidates, arguments, what, if (couldLeaveOut) DEFAULTS_HINT else "")
    }

    /**
     * Whether a function that leaves trailing parameters to Kotlin defaults might be chosen over
     * [plain], as Kotlin would when it is more specific: judged from [Arrangements.rivals], which
     * assume every left-out parameter has a default, without reading metadata.
     */
    private fun couldLoseToDefaults(plain: OverloadResolution.Choice, executables: List<Executable>, arguments: Array<Any?>, what: String): Boolean {
        val rivals = Arrangements.rivals(executables, arguments.size)
        if (rivals.isEmpty()) return false
        return try {
            OverloadResolution.chooseOrNull(listOf(plain.candidate) + rivals, arguments, what, adapter)?.candidate !== plain.candidate
        } catch (_: UnsupportedInteractionError) {
            true // ambiguous among the stand-ins: the full resolution decides
        }
    }

    /** The names of the arguments passed by name, which follow the positional ones, each once. */
    private fun namesOf(arguments: Array<Any?>): List<String> {
        val first = arguments.indexOfFirst { it is NamedArgument }
        if (first < 0) return emptyList()
        val names = ArrayList<String>(arguments.size - first)
        for (i in first until arguments.size) {
            val argument = arguments[i] as? NamedArgument ?: throw UnsupportedInteractionError(
                "argument ${i + 1} is passed by position after one passed by name (${(arguments[first] as NamedArgument).name}); pass positional arguments first",
            )
            if (argument.name in names) throw UnsupportedInteractionError("two arguments are named ${argument.name}; pass each parameter once")
            names += argument.name
        }
        return names
    }

    /** The Kotlin `companion object` or `object` instance that holds a class's "static" members. */
    private fun singletonOf(type: Class<*>): Any? = listOf("Companion", "INSTANCE").firstNotNullOfOrNull { fieldName ->
        runCatching { type.getField(fieldName) }.getOrNull()?.takeIf { Modifier.isStatic(it.modifiers) }?.get(null)
    }

    /** [choice] as an [Invocation]; with its [arrangement] when it takes named or left-out arguments. */
    private fun invocationOf(choice: OverloadResolution.Choice, receiverType: Class<*>?, arrangement: Arrangements.Arrangement? = null): Invocation {
        val parameters = choice.candidate.parameters
        // Type arguments are read where an argument maps to its own declared parameter: not
        // for variable arity, nor for arrangements, which reorder arguments.
        // The generic types leave out what the compiler adds in front (an inner class
        // constructor's outer instance): they are matched to the parameters from the end.
        val executable = choice.candidate.executable
        val generic = executable.genericParameterTypes
        val added = executable.parameterCount - generic.size
        val adaptTo = choice.parameters.mapIndexed { i, p ->
            val declared = generic.getOrNull(i - added).takeIf { arrangement == null && (choice.varargsFrom < 0 || i < choice.varargsFrom) }
            Adaptation.of(p, declared, adapting = adapter != null)
        }
        return Invocation(
            accessible(arrangement?.target ?: choice.candidate.executable, receiverType),
            choice.candidate.isSuspend,
            choice.varargsFrom,
            if (choice.varargsFrom >= 0) parameters.last().componentType else null,
            adaptTo = adaptTo.takeIf { list -> list.any { it != null } }?.toTypedArray(),
            arrangement = arrangement,
        )
    }

    /**
     * A version of [executable] we may call: itself when it can be made accessible (all target
     * code), else the same method declared by a public supertype (a public method of a private
     * JDK class, such as an iterator, reached through its public interface).
     */
    private fun <T : Executable> accessible(executable: T, receiverType: Class<*>?): T {
        if (executable.trySetAccessible()) return executable
        if (executable is Method && receiverType != null) {
            for (current in listOf(receiverType) + supertypesOf(receiverType)) {
                if (Modifier.isPublic(current.modifiers) && current.module.isExported(current.packageName)) {
                    val found = runCatching { current.getMethod(executable.name, *executable.parameterTypes) }.getOrNull()
                    @Suppress("UNCHECKED_CAST")
                    if (found != null && found.trySetAccessible()) return found as T
                }
            }
        }
        throw UnsupportedInteractionError("$executable is not accessible from outside its module")
    }

    private companion object {
        const val DEFAULTS_HINT = " (a parameter can be left out only when it has a Kotlin default value, and only trailing ones unless arguments are named)"
        const val NAMES_HINT = " (named arguments need the parameter names of a Kotlin class, or of a Java class compiled with " +
            "javac -parameters; a parameter neither passed nor named needs a Kotlin default value)"

        /** An argument as the target receives it: a named one's value. */
        fun unwrap(argument: Any?): Any? = if (argument is NamedArgument) argument.value else argument

        /** How many method names a "no such method" error lists. */
        const val MAX_LISTED = 40

        /** `Object`'s methods that no one calls across a process boundary, left out of those listed. */
        val OBJECT_INTERNALS = setOf("getClass", "notify", "notifyAll", "wait")

        /** The Levenshtein distance between [a] and [b], for "did you mean". */
        fun editDistance(a: String, b: String): Int {
            var previous = IntArray(b.length + 1) { it }
            for (i in 1..a.length) {
                val current = IntArray(b.length + 1)
                current[0] = i
                for (j in 1..b.length) {
                    val substitution = previous[j - 1] + if (a[i - 1] == b[j - 1]) 0 else 1
                    current[j] = minOf(previous[j] + 1, current[j - 1] + 1, substitution)
                }
                previous = current
            }
            return previous[b.length]
        }
    }

    // --- properties ---------------------------------------------------------------------------

    /** Reads property or field [name]: `getName()`, `isName()`, a Kotlin `isName()`, field `name`, or a method `name()`. */
    public suspend fun get(receiver: Any?, type: Class<*>, name: String): Any? = getterFor(receiver, type, name).invoke(receiver, emptyArray())

    /** As [get]; returns [Suspends], having read nothing, when the getter is a suspend function. */
    public fun getDirect(receiver: Any?, type: Class<*>, name: String): Any? = getterFor(receiver, type, name).invokeDirect(receiver, emptyArray())

    private fun getterFor(receiver: Any?, type: Class<*>, name: String): Invocation {
        if (offeredMethods != null) throw UnsupportedInteractionError("properties of ${type.name} cannot be read from the other side; call an interface method")
        return getters.getOrPut(MemberKey(type, name, receiver == null)) { resolveGetter(type, name, receiver == null) }
    }

    private fun resolveGetter(type: Class<*>, name: String, isStatic: Boolean): Invocation {
        val capitalized = name.replaceFirstChar { it.uppercaseChar() }
        fun method(methodName: String, booleanOnly: Boolean = false): Method? = linked(type) { it.methods }.firstOrNull {
            it.name == methodName && it.parameterCount == 0 && !it.isSynthetic && Modifier.isStatic(it.modifiers) == isStatic &&
                (!booleanOnly || it.returnType == Boolean::class.javaPrimitiveType || it.returnType == Boolean::class.javaObjectType)
        }
        val getter = method("get$capitalized") ?: method("is$capitalized", booleanOnly = true)
        if (getter != null) return invocationOf(OverloadResolution.Choice(OverloadResolution.candidate(getter), -1, emptyList()), type)
        fieldOf(type, name, isStatic)?.let { field ->
            return Invocation(accessible(field), false, -1, null)
        }
        // A record accessor, a Kotlin `isActive()` getter, or any no-argument method such as size().
        method(name)?.let { return invocationOf(OverloadResolution.Choice(OverloadResolution.candidate(it), -1, emptyList()), type) }
        if (isStatic) {
            singletonOf(type)?.let { singleton ->
                return resolveGetter(singleton.javaClass, name, false).redirectedTo(singleton)
            }
        }
        throw UnsupportedInteractionError(
            "${type.name} has no readable ${if (isStatic) "static " else ""}property '$name': looked for get$capitalized(), " +
                "is$capitalized(), a public field $name and a method $name()",
        )
    }

    /** Writes property or field [name]: `setName(value)` (overloads resolved on the value), or a non-final public field. */
    public suspend fun set(receiver: Any?, type: Class<*>, name: String, value: Any?) {
        val (self, invocation) = setterFor(receiver, type, name, value)
        invocation.invoke(self, arrayOf(value))
    }

    /** As [set]; returns [Suspends], having written nothing, when the setter is a suspend function. */
    public fun setDirect(receiver: Any?, type: Class<*>, name: String, value: Any?): Any? {
        val (self, invocation) = setterFor(receiver, type, name, value)
        return invocation.invokeDirect(self, arrayOf(value))
    }

    /** What writes [name]: the receiver to call it on (a singleton's, for static properties of a Kotlin object) and the member. */
    private fun setterFor(receiver: Any?, type: Class<*>, name: String, value: Any?): Pair<Any?, Invocation> {
        if (offeredMethods != null) throw UnsupportedInteractionError("properties of ${type.name} cannot be written from the other side; call an interface method")
        val isStatic = receiver == null
        val capitalized = name.replaceFirstChar { it.uppercaseChar() }
        val setterNames = listOfNotNull(
            "set$capitalized",
            // Kotlin's `var isActive` has the setter setActive.
            if (name.length > 2 && name.startsWith("is") && name[2].isUpperCase()) "set${name.substring(2)}" else null,
        )
        val arguments = arrayOf(value)
        for (setterName in setterNames) {
            val hasSetter = linked(type) { it.methods }.any { it.name == setterName && Modifier.isStatic(it.modifiers) == isStatic }
            if (hasSetter) return receiver to invocationFor(receiver, type, setterName, arguments).second
        }
        val field = fieldOf(type, name, isStatic)
        if (field != null && !Modifier.isFinal(field.modifiers)) {
            return receiver to Invocation(accessible(field), false, -1, null, writesField = true)
        }
        if (isStatic) {
            singletonOf(type)?.let { singleton -> return setterFor(singleton, singleton.javaClass, name, value) }
        }
        throw UnsupportedInteractionError(
            "${type.name} has no writable ${if (isStatic) "static " else ""}property '$name': looked for set$capitalized(...) and a " +
                "public non-final field $name" + if (field != null) " (the field exists but is final)" else "",
        )
    }

    private fun fieldOf(type: Class<*>, name: String, isStatic: Boolean): Field? =
        runCatching { type.getField(name) }.getOrNull()?.takeIf { Modifier.isStatic(it.modifiers) == isStatic }

    private fun accessible(field: Field): Field {
        if (!field.trySetAccessible()) throw UnsupportedInteractionError("field $field is not accessible from outside its module")
        return field
    }

    /**
     * What the direct calls ([callDirect], [Calls.callDirect], [getDirect], [setDirect]) return,
     * having called nothing, for a member that is a suspend function: no target value can be it.
     */
    public object Suspends {
        override fun toString(): String = "Invoker.Suspends"
    }
}
