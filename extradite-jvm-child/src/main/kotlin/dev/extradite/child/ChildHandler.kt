@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.child

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.session.HandleTable
import dev.extradite.internal.session.RequestHandler
import dev.extradite.internal.wire.CodecContext
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.Operation
import dev.extradite.internal.wire.Receiver
import dev.extradite.internal.wire.Side
import dev.extradite.internal.wire.ValueDecoder
import dev.extradite.internal.wire.ValueEncoder
import dev.extradite.internal.wire.WireValue

/**
 * Serves the host's requests in the child: decodes arguments, hands them to the [Invoker],
 * and encodes results. Objects that are not values are exported as handles owned by the child.
 */
internal class ChildHandler(private val invoker: Invoker) : RequestHandler, CodecContext {
    private val handles = HandleTable()

    override suspend fun handle(request: Envelope.Request, attachments: List<ByteArray>): Message {
        val decoder = ValueDecoder(this, attachments)
        val encoder = ValueEncoder(this)
        val result: WireValue = when (val op = request.op) {
            is Operation.LoadClass -> WireValue.Str(invoker.loadClass(op.type).name)
            is Operation.New -> {
                val instance = invoker.construct(invoker.loadClass(op.type), decoder.decodeAll(op.args))
                // A constructed object is always a handle, even when its class is a value type.
                export(instance)
            }
            is Operation.Invoke -> {
                val (receiver, type) = resolve(op.receiver)
                encoder.encode(invoker.call(receiver, type, op.method, decoder.decodeAll(op.args)))
            }
            is Operation.Batch -> {
                val (receiver, type) = resolve(op.receiver)
                val results = ArrayList<Any?>(op.calls.size)
                for (args in op.calls) results += invoker.call(receiver, type, op.method, decoder.decodeAll(args))
                encoder.encode(results)
            }
            is Operation.Get -> {
                val (receiver, type) = resolve(op.receiver)
                encoder.encode(invoker.get(receiver, type, op.name))
            }
            is Operation.Set -> {
                val (receiver, type) = resolve(op.receiver)
                invoker.set(receiver, type, op.name, decoder.decode(op.value))
                WireValue.Null
            }
        }
        return Message(Envelope.Response(request.id, result), encoder.attachments)
    }

    private fun resolve(receiver: Receiver): Pair<Any?, Class<*>> = when (receiver) {
        is Receiver.Static -> null to invoker.loadClass(receiver.type)
        is Receiver.Handle -> handles.get(receiver.id).let { it to it.javaClass }
    }

    override fun release(ids: List<Long>) = handles.release(ids)

    // --- CodecContext: the child's half of the value codec ------------------------------------

    override fun referenceOf(value: Any): WireValue.Ref? = null

    override fun export(value: Any): WireValue.Ref = WireValue.Ref(Side.CHILD, handles.export(value), value.javaClass.name)

    override fun import(ref: WireValue.Ref): Any? = when (ref.owner) {
        Side.CHILD -> handles.get(ref.id)
        Side.HOST -> throw ExtraditeProtocolError("host handle ${ref.id} cannot be used: host objects are not exported in this version")
    }

    override fun loadValueType(name: String): Class<*> = invoker.loadClass(name)
}
