@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import java.util.IdentityHashMap

/**
 * The objects one side has lent to its peer as handles, by id (the export table).
 *
 * Exporting the same object twice yields the same id, so identity survives the round trip. Each
 * export counts one send; the peer releases with the number of sends it received, and an entry is
 * freed only when every send has been released, so a release that races a re-send of the same
 * object never frees it. Thread safe.
 */
@InternalExtraditeApi
public class HandleTable {
    private class Entry(val value: Any, var sends: Long)

    private val byId = HashMap<Long, Entry>()
    private val byObject = IdentityHashMap<Any, Long>()
    private var nextId = 1L

    /** The id of [value], exporting it when it is not yet in the table; counts one send. */
    @Synchronized
    public fun export(value: Any): Long {
        val id = byObject.getOrPut(value) {
            val id = nextId++
            byId[id] = Entry(value, 0)
            id
        }
        byId.getValue(id).sends++
        return id
    }

    /** The object of handle [id]; an unknown or released id is an [ExtraditeProtocolError]. */
    @Synchronized
    public fun get(id: Long): Any = byId[id]?.value
        ?: throw ExtraditeProtocolError("handle $id is unknown or was already released on this side; the proxy that sent it is stale, create a new one")

    /** The peer released [count] sends of handle [id]; unknown ids are ignored (a release may race a close). */
    @Synchronized
    public fun release(id: Long, count: Int) {
        // A release counts sends the peer received, at least one: anything else would pin the
        // object (a negative count) or mean nothing, and is ignored.
        if (count <= 0) return
        val entry = byId[id] ?: return
        entry.sends -= count
        if (entry.sends <= 0) {
            byId.remove(id)
            byObject.remove(entry.value)
        }
    }

    /** Number of live handles. */
    public val size: Int @Synchronized get() = byId.size
}
