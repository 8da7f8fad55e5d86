package io.kotest.provided

import io.kotest.core.config.AbstractProjectConfig
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** No demo may hang the build: every test is bounded. */
object ProjectConfig : AbstractProjectConfig() {
    override val timeout: Duration = 180.seconds
}
