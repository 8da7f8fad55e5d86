@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import java.util.IdentityHashMap

/**
 * The objects one side has handed out as handles, by id. Exporting the same object twice yields
 * the same id, so identity survives the round trip. Thread safe.
 */
@InternalExtraditeApi
public class HandleTable {
    private val byId = HashMap<Long, Any>()
    private val byObject = IdentityHashMap<Any, Long>()
    private var nextId = 1L

    /** The id of [value], exporting it when it is not yet in the table. */
    @Synchronized
    public fun export(value: Any): Long = byObject.getOrPut(value) {
        val id = nextId++
        byId[id] = value
        id
    }

    /** The object of handle [id]; an unknown or released id is an [ExtraditeProtocolError]. */
    @Synchronized
    public fun get(id: Long): Any = byId[id]
        ?: throw ExtraditeProtocolError("handle $id is unknown or was already released on this side; the proxy that sent it is stale, create a new one")

    /** Forgets the handles [ids]; ids not in the table are ignored (a release may race a close). */
    @Synchronized
    public fun release(ids: Collection<Long>) {
        for (id in ids) byId.remove(id)?.let { byObject.remove(it) }
    }

    /** Number of live handles. */
    public val size: Int @Synchronized get() = byId.size
}
