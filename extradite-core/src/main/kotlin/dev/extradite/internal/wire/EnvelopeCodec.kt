@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.wire

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json

/** An envelope with the attachments that came in its frame. */
@InternalExtraditeApi
public class Message(public val envelope: Envelope, public val attachments: List<ByteArray> = emptyList()) : Outcome

/**
 * What serving a request on a thread came to: its reply [Message], or, when it must call a
 * suspend function, [Suspending] with the rest of it.
 */
@InternalExtraditeApi
public sealed interface Outcome

/** The rest of a request that calls a suspend function, to run as a coroutine; it returns the reply. */
@InternalExtraditeApi
public class Suspending(public val rest: suspend () -> Message) : Outcome

/** Turns envelopes into frames and back with kotlinx-serialization JSON. */
@InternalExtraditeApi
public object EnvelopeCodec {
    /**
     * The JSON configuration of the wire; `t` is the class discriminator of every sealed hierarchy.
     * Built on first use: the handshake and the common calls travel in the compact form, so most
     * sessions never initialise JSON (about 60 classes a child or a host's first session would
     * otherwise load and initialise interpreted, at start).
     */
    public val json: Json get() = JsonForm.json

    private object JsonForm {
        @OptIn(ExperimentalSerializationApi::class) // maxNestingDepth
        val json: Json = Json {
            classDiscriminator = "t"
            allowSpecialFloatingPointValues = true
            encodeDefaults = false
            explicitNulls = false
            // No @JsonNames on the wire: skipping the alternative-name lookup saves a schema cache
            // probe per decoded object (it showed as the hottest spot of a call in JFR).
            useAlternativeNames = false
            // The decoder must take any envelope the encoder sends, and a value nests up to
            // MAX_VALUE_DEPTH levels, two of JSON each (its object and its list), inside the
            // envelope's own (a batch's named argument sits five deep): kotlinx's default of 400
            // refused values from about 200 deep as malformed. Deeper input still is; decoding
            // this deep takes well under a thread's 1 MiB of stack, even interpreted.
            maxNestingDepth = 2 * MAX_VALUE_DEPTH + 16
        }
    }

    /** The frame of [message]: compact binary for a plain call or response (see [CompactCodec]), JSON for the rest. */
    public fun encode(message: Message): Frame {
        val compact = CompactCodec.encode(message.envelope)
        return if (compact != null) Frame(compact, message.attachments, Frame.FRAME_KIND_COMPACT) else encodeJson(message)
    }

    /** The JSON frame of [message], whatever its shape; lone surrogates escaped (see [LoneSurrogates]). */
    public fun encodeJson(message: Message): Frame =
        Frame(LoneSurrogates.escapeIn(json.encodeToString(Envelope.serializer(), message.envelope)).encodeToByteArray(), message.attachments)

    /** Decodes a frame; a malformed envelope is an [ExtraditeProtocolError], never a crash. */
    public fun decode(frame: Frame): Message {
        if (frame.kind == Frame.FRAME_KIND_COMPACT) return Message(CompactCodec.decode(frame.envelope), frame.attachments)
        val envelope = try {
            json.decodeFromString(Envelope.serializer(), frame.envelope.decodeToString(throwOnInvalidSequence = true))
        } catch (e: SerializationException) {
            throw ExtraditeProtocolError("malformed envelope from the peer: ${e.message}", e)
        } catch (e: CharacterCodingException) {
            throw ExtraditeProtocolError("envelope from the peer is not valid UTF-8", e)
        } catch (e: IllegalArgumentException) {
            throw ExtraditeProtocolError("malformed envelope from the peer: ${e.message}", e)
        } catch (e: StackOverflowError) {
            throw ExtraditeProtocolError("an envelope from the peer nests too deeply", e)
        }
        return Message(envelope, frame.attachments)
    }
}
