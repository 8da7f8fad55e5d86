package dev.extradite

/**
 * How a value that is not a scalar crosses the boundary.
 *
 * - [VALUE] (the default) copies values: scalars, strings, primitive arrays, lists, sets and maps
 *   of values, enums, Java records of values and `@Serializable` classes. Anything else still
 *   travels as a handle.
 * - [REFERENCE] forces a handle for every non-scalar value, so identity is kept and nothing of
 *   the value's type is loaded on the receiving side.
 */
public enum class TransportPolicy { VALUE, REFERENCE }

/** Where an effective [TransportPolicy] came from, in order of precedence. */
public enum class PolicySource {
    /**
     * Nothing can change it: null, the primitive types' boxes (`Integer`, `Boolean`, ...),
     * `Character`, `String` and `Unit` always travel as values.
     */
    ALWAYS_VALUE,

    /** A per-call override (`RemoteObject.withPolicy`). */
    CALL_OVERRIDE,

    /** A `typeRule(type, policy)` whose type matched the value (the most specific one wins). */
    TYPE_RULE,

    /** The session's `transportPolicy(...)`, [TransportPolicy.VALUE] unless configured. */
    SESSION_DEFAULT,
}

/**
 * The policy that applies to one value, and why: returned by [RemoteClass.effectivePolicy].
 *
 * @property policy how the value travels.
 * @property source which setting decided it: a per-call override, a type rule, or the session's default.
 * @property matchedType the binary name of the rule's type when [source] is [PolicySource.TYPE_RULE], else null.
 */
public data class PolicyTrace(
    val policy: TransportPolicy,
    val source: PolicySource,
    val matchedType: String?,
)
