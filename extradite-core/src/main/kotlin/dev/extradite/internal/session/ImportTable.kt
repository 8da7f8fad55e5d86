@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.InternalExtraditeApi
import java.lang.ref.Cleaner
import java.lang.ref.WeakReference
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/**
 * The proxies one side holds for its peer's handles (the import table): one proxy per handle
 * while it is reachable, so the same handle always yields the same proxy instance (`===`).
 *
 * A proxy that becomes unreachable is released by a [Cleaner]; [ImportedHandle.release] does
 * the same explicitly (`close()`). Either way [onRelease] receives the id and the number of times
 * the handle was received, once. Thread safe.
 */
@InternalExtraditeApi
public class ImportTable<P : Any>(private val onRelease: (id: Long, count: Int) -> Unit) {
    private val records = HashMap<Long, ImportedHandle>()

    /** One imported handle: what its proxies share. */
    public inner class ImportedHandle internal constructor(public val id: Long, public val type: String) {
        internal var proxy: WeakReference<P>? = null
        internal val count = AtomicInteger(1)
        private val released = AtomicBoolean(false)
        internal var cleanable: Cleaner.Cleanable? = null

        public val isReleased: Boolean get() = released.get()

        /** Releases the handle now (idempotent); later imports of the same id make a new proxy. */
        public fun release() {
            cleanable?.clean() ?: releaseOnce()
        }

        internal fun releaseOnce() {
            if (!released.compareAndSet(false, true)) return
            val total = synchronized(this@ImportTable) {
                if (records[id] === this) records.remove(id)
                count.get()
            }
            onRelease(id, total)
        }
    }

    /**
     * The proxy for handle [id]: the live one, or a new one made by [create] and registered for
     * automatic release.
     */
    @Synchronized
    public fun import(id: Long, type: String, create: (ImportedHandle) -> P): P {
        val existing = records[id]
        if (existing != null && !existing.isReleased) {
            val live = existing.proxy?.get()
            if (live != null) {
                existing.count.incrementAndGet()
                return live
            }
        }
        val handle = ImportedHandle(id, type)
        val proxy = create(handle)
        handle.proxy = WeakReference(proxy)
        // The cleaning action must not reach the proxy, only its handle record.
        handle.cleanable = cleaner.register(proxy, ReleaseAction(handle))
        records[id] = handle
        return proxy
    }

    private class ReleaseAction(private val handle: ImportTable<*>.ImportedHandle) : Runnable {
        override fun run() = handle.releaseOnce()
    }

    /** Number of handles with a live proxy record. */
    public val size: Int @Synchronized get() = records.size

    private companion object {
        val cleaner: Cleaner = Cleaner.create()
    }
}
