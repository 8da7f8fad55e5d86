@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.InternalExtraditeApi
import dev.extradite.TransportPolicy
import dev.extradite.internal.dispatch.FunctionalInterfaces
import dev.extradite.internal.dispatch.Invoker
import dev.extradite.internal.wire.CodecContext
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Outcome
import dev.extradite.internal.wire.Suspending
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Receiver
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue

/**
 * One side of a session, the part host and child share: it lends local objects to the peer as
 * handles ([exports]), serves the peer's calls on them through an [Invoker], and encodes and
 * decodes values. The edges differ only in what subclasses supply: how the peer's handles become
 * local proxies, which types may be loaded, and whether classes may be constructed by name.
 */
@InternalExtraditeApi
public abstract class Peer(public val side: Side, public val policies: PolicyRules) : RequestHandler, CodecContext {
    /** The local objects the peer holds handles to. */
    public val exports: HandleTable = HandleTable()

    protected abstract val invoker: Invoker

    /** Number of the peer's handles this side holds proxies for. */
    public abstract val importCount: Int

    /** The class named by a `LoadClass`, `New` or static call; the host refuses these. */
    protected abstract fun loadTargetClass(name: String): Class<*>

    override fun handle(request: Envelope.Request, attachments: List<ByteArray>): Outcome {
        val decoder = ValueDecoder(this, attachments)
        val op = request.op
        val callPolicy = when (op) {
            is Operation.Invoke -> op.policy
            is Operation.Batch -> op.policy
            is Operation.Get -> op.policy
            else -> null
        }
        val encoder = ValueEncoder(contextFor(callPolicy))
        fun reply(result: WireValue) = Message(Envelope.Response(request.id, result), encoder.attachments)

        // Each member is called directly; one that is a suspend function hands the rest of the
        // request back to run as a coroutine (Invoker.Suspends: nothing was called yet).
        // Arguments are decoded before anything that can fail (a released receiver, a class
        // that does not load, an earlier call of a batch): the peer's handles in them are then
        // imported, and released when unused, rather than held by the peer for good.
        fun later(rest: suspend () -> WireValue) = Suspending { reply(rest()) }
        val result: WireValue = when (op) {
            is Operation.LoadClass -> WireValue.Str(loadTargetClass(op.type).name)
            // A constructed object is always a handle, even when its class is a value type.
            is Operation.New -> {
                val arguments = decoder.decodeAll(op.args)
                export(invoker.construct(loadTargetClass(op.type), arguments))
            }
            is Operation.Invoke -> {
                val arguments = decoder.decodeAll(op.args)
                val (receiver, type) = resolve(op.receiver)
                val result = invoker.callDirect(receiver, type, op.method, arguments)
                if (result === Invoker.Suspends) return later { encoder.encode(invoker.call(receiver, type, op.method, arguments)) }
                encoder.encode(result)
            }
            is Operation.Batch -> {
                val arguments = op.calls.map(decoder::decodeAll)
                val (receiver, type) = resolve(op.receiver)
                val results = ArrayList<Any?>(op.calls.size)
                val calls = invoker.Calls(receiver, type, op.method)
                for (i in op.calls.indices) {
                    val result = calls.callDirect(arguments[i])
                    if (result === Invoker.Suspends) {
                        return later {
                            results += calls.call(arguments[i])
                            for (j in i + 1 until op.calls.size) results += calls.call(arguments[j])
                            encoder.encodeResults(results)
                        }
                    }
                    results += result
                }
                encoder.encodeResults(results)
            }
            is Operation.Get -> {
                val (receiver, type) = resolve(op.receiver)
                val result = invoker.getDirect(receiver, type, op.name)
                if (result === Invoker.Suspends) return later { encoder.encode(invoker.get(receiver, type, op.name)) }
                encoder.encode(result)
            }
            is Operation.Set -> {
                val value = decoder.decode(op.value)
                val (receiver, type) = resolve(op.receiver)
                if (invoker.setDirect(receiver, type, op.name, value) === Invoker.Suspends) {
                    return later {
                        invoker.set(receiver, type, op.name, value)
                        WireValue.Null
                    }
                }
                WireValue.Null
            }
            Operation.Stats -> encoder.encode(mapOf("exports" to exports.size, "imports" to importCount))
        }
        return reply(result)
    }

    private fun resolve(receiver: Receiver): Pair<Any?, Class<*>> = when (receiver) {
        is Receiver.Static -> null to loadTargetClass(receiver.type)
        is Receiver.Handle -> exports.get(receiver.id).let { it to it.javaClass }
    }

    override fun release(ids: List<Long>, counts: List<Int>) {
        for (i in ids.indices) exports.release(ids[i], counts[i])
    }

    /**
     * Lends [value] to the peer. Host objects also carry their interfaces and functional method,
     * so the child can build a proxy of them.
     */
    override fun export(value: Any): WireValue.Ref {
        val id = exports.export(value)
        if (side == Side.CHILD) return WireValue.Ref(side, id, value.javaClass.name)
        val shape = exportShapes.get(value.javaClass)
        return WireValue.Ref(side, id, value.javaClass.name, shape.interfaces, shape.samName)
    }

    override fun policyFor(value: Any): TransportPolicy = policies.policyOf(value)

    /** This side's codec, with [callPolicy] overriding the policy of every value when set. */
    public fun contextFor(callPolicy: TransportPolicy?): CodecContext =
        if (callPolicy == null) this else PolicyOverride(this, callPolicy)

    /** What the child needs to build a proxy of a host object: its public interfaces and functional method. */
    private class ExportShape(val interfaces: List<String>, val samName: String?)

    private companion object {
        /** Computed once per class: every callback export of a class carries the same shape. */
        val exportShapes = object : ClassValue<ExportShape>() {
            override fun computeValue(type: Class<*>): ExportShape = ExportShape(
                FunctionalInterfaces.offeredInterfaces(type).map { it.name },
                FunctionalInterfaces.samNameOf(type),
            )
        }
    }

    private class PolicyOverride(private val peer: Peer, private val policy: TransportPolicy) : CodecContext by peer {
        override fun policyFor(value: Any): TransportPolicy = policy
    }
}
