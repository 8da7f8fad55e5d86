@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import dev.extradite.internal.wire.Envelope
import dev.extradite.internal.wire.EnvelopeCodec
import dev.extradite.internal.wire.Message
import dev.extradite.internal.wire.PROTOCOL_VERSION
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.HexFormat

/**
 * The first exchange on a new connection. The child proves it was started by this host with a
 * random 256-bit token the host wrote to the child's stdin (never argv or the environment, which
 * other local users can read); the host answers with the session settings or a refusal.
 */
@InternalExtraditeApi
public object Handshake {
    /** A fresh 256-bit token, hex encoded. */
    public fun newToken(): String {
        val bytes = ByteArray(32).also { SecureRandom().nextBytes(it) }
        // HexFormat, not "%02x".format: a host's first String.format sets up java.util.Formatter
        // and its regular expression, milliseconds of a first session.
        return HexFormat.of().formatHex(bytes)
    }

    /**
     * Host side: reads the child's [Envelope.Hello] and checks protocol version and token.
     * On success sends [welcome] and returns the child's pid; otherwise sends
     * [Envelope.Refused] and throws [ExtraditeProtocolError] saying why.
     */
    public suspend fun accept(transport: FrameTransport, token: String, welcome: Envelope.Welcome): Long {
        val hello = EnvelopeCodec.decode(transport.receive()).envelope
        val reason = when {
            hello !is Envelope.Hello -> "the first frame was ${hello::class.simpleName}, not a hello"
            hello.protocol != PROTOCOL_VERSION ->
                "the child speaks protocol version ${hello.protocol} but this host speaks $PROTOCOL_VERSION; use the same extradite version on both sides"
            !MessageDigest.isEqual(hello.token.encodeToByteArray(), token.encodeToByteArray()) ->
                "the connecting process presented a wrong authentication token"
            else -> null
        }
        if (reason != null) {
            runCatching { transport.send(EnvelopeCodec.encode(Message(Envelope.Refused(reason))).toBytes()) }
            throw ExtraditeProtocolError("connection refused: $reason")
        }
        transport.send(EnvelopeCodec.encode(Message(welcome)).toBytes())
        return (hello as Envelope.Hello).pid
    }

    /**
     * Child side: introduces itself with [token] and returns the host's [Envelope.Welcome];
     * throws [ExtraditeProtocolError] with the host's reason when refused.
     */
    public suspend fun introduce(transport: FrameTransport, token: String, protocol: Int = PROTOCOL_VERSION): Envelope.Welcome {
        val hello = Envelope.Hello(protocol, token, ProcessHandle.current().pid())
        transport.send(EnvelopeCodec.encode(Message(hello)).toBytes())
        return when (val answer = EnvelopeCodec.decode(transport.receive()).envelope) {
            is Envelope.Welcome -> answer
            is Envelope.Refused -> throw ExtraditeProtocolError("the host refused this child: ${answer.reason}")
            else -> throw ExtraditeProtocolError("the host answered the hello with ${answer::class.simpleName}")
        }
    }
}
