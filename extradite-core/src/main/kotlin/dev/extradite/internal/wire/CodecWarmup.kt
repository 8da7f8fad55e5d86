@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.InternalExtraditeApi

/**
 * Encodes and decodes, once each, made-up envelopes of a handshake and of a first call (load a
 * class, construct, call, and their replies), so that the codec's classes are loaded and
 * initialised before the real first use. The start-up warm-up threads of host and child run it.
 */
@InternalExtraditeApi
public object CodecWarmup {
    /** One round trip through the codec per envelope kind of a session's first moments. */
    public fun run() {
        roundTrip(Envelope.Hello(1, "warmup", 0))
        roundTrip(Envelope.Welcome(listOf("warmup.jar"), 1 shl 20))
        roundTrip(Envelope.Request(1, 2, Operation.LoadClass("java.lang.Object")))
        roundTrip(Envelope.Request(2, 2, Operation.New("java.lang.Object", listOf(WireValue.Str("s"), WireValue.I32(1)))))
        roundTrip(Envelope.Request(3, 2, Operation.Invoke(Receiver.Handle(1), "m", listOf(WireValue.I32(1)))))
        roundTrip(Envelope.Response(1, WireValue.Ref(Side.CHILD, 1, "java.lang.Object")))
        roundTrip(Envelope.Response(2, WireValue.I32(1)))
        roundTrip(Envelope.Response(3, WireValue.Str("s")))
    }

    /** [envelope] encoded and decoded again, in the form a session uses for it. */
    private fun roundTrip(envelope: Envelope) {
        EnvelopeCodec.decode(EnvelopeCodec.encode(Message(envelope)))
    }
}
