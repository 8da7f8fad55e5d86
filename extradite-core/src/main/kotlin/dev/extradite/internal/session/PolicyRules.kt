@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.InternalExtraditeApi

import dev.extradite.PolicySource
import dev.extradite.PolicyTrace
import dev.extradite.TransportPolicy

/**
 * Decides the transport policy of a value. Scalars always travel as values; for the rest the
 * precedence is the call's override, then the most specific matching type rule, then the
 * session default.
 */
@InternalExtraditeApi
public class PolicyRules(private val default: TransportPolicy, public val rules: Map<Class<*>, TransportPolicy>) {
    /** The policy of [value] without a call override: [trace]'s result, without building the trace when no rule exists. */
    public fun policyOf(value: Any): TransportPolicy = if (rules.isEmpty()) default else trace(value, null).policy

    public fun trace(value: Any?, callPolicy: TransportPolicy?): PolicyTrace {
        if (value == null || value.javaClass in SCALAR_TYPES) return PolicyTrace(TransportPolicy.VALUE, PolicySource.ALWAYS_VALUE, null)
        if (callPolicy != null) return PolicyTrace(callPolicy, PolicySource.CALL_OVERRIDE, null)
        val matching = rules.keys.filter { it.isInstance(value) }
        // Most specific: a matching rule type that no other matching rule type is a subtype of.
        val best = matching.firstOrNull { candidate -> matching.none { it !== candidate && candidate.isAssignableFrom(it) } }
        if (best != null) return PolicyTrace(rules.getValue(best), PolicySource.TYPE_RULE, best.name)
        return PolicyTrace(default, PolicySource.SESSION_DEFAULT, null)
    }

    public companion object {
        /**
         * The classes whose instances always travel as values, whatever the policy: the boxes
         * of the primitive types, `String` and `Unit` (the value codec writes them as scalars).
         */
        public val SCALAR_TYPES: Set<Class<*>> = setOf(
            java.lang.Boolean::class.java, java.lang.Byte::class.java, java.lang.Short::class.java,
            java.lang.Integer::class.java, java.lang.Long::class.java, java.lang.Float::class.java,
            java.lang.Double::class.java, java.lang.Character::class.java, String::class.java, Unit::class.java,
        )
    }
}
