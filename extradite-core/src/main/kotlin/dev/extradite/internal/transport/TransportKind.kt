@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.transport

import dev.extradite.InternalExtraditeApi

/**
 * Which socket layer carries the frames. [SOCKET_CHANNEL] (blocking JDK channels) is the default
 * because it is several times faster for local children; [KTOR] (Ktor raw sockets) stays
 * selectable with the system property `extradite.transport=ktor`, for comparison and for
 * platforms where it suits better. The host tells the child which one to use.
 */
@InternalExtraditeApi
public enum class TransportKind {
    SOCKET_CHANNEL,
    KTOR,
    ;

    public companion object {
        public fun fromHostSettings(): TransportKind = when (System.getProperty("extradite.transport")?.lowercase()) {
            null, "", "socket-channel", "socket_channel" -> SOCKET_CHANNEL
            "ktor" -> KTOR
            else -> throw IllegalArgumentException(
                "system property extradite.transport=${System.getProperty("extradite.transport")} is not a transport; use socket-channel or ktor",
            )
        }
    }
}
