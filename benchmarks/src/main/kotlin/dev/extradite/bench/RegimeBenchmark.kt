package dev.extradite.bench

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import kotlinx.serialization.json.putJsonObject
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.system.exitProcess

/**
 * The regime benchmark: each regime in a fresh host JVM, direct and through extradite, repeated;
 * median µs per operation and the slowdown; plus the peer round trips (raw Unix socket, Java RMI,
 * one extradite call). See `benchmarks/RESULTS.md` and `benchmarks/run --help`.
 */
fun main(args: Array<String>) {
    val options = Options.parse(args)
    if (options.one != null) {
        val (case, mode) = options.one
        println("RESULT ${runOne(REGIMES.single { it.name == case }, mode, options)}")
        exitProcess(0)
    }
    drive(options)
}

data class Options(
    val quick: Boolean,
    val json: Path?,
    val cases: List<String>,
    val repetitions: Int,
    val workloadJar: Path,
    val one: Pair<String, String>?,
    /** Multiplies the prescribed warm-up iterations (1 = as BENCHMARK.md prescribes); more shows steady state. */
    val warmupFactor: Int = 1,
    /**
     * When above 0, after the prescribed warm-up, the warm-up runs again and again for this many
     * seconds more: the steady state, after the JIT compilers have done their work.
     */
    val warmupSeconds: Double = 0.0,
) {
    companion object {
        fun parse(args: Array<String>): Options {
            var quick = false
            var json: Path? = null
            var cases = REGIMES.map { it.name }
            var repetitions = 3
            var workloadJar: Path? = null
            var one: Pair<String, String>? = null
            var warmupFactor = 1
            var warmupSeconds = 0.0
            var i = 0
            while (i < args.size) {
                when (args[i]) {
                    "--quick" -> quick = true
                    "--json" -> json = Paths.get(args[++i])
                    "--cases" -> cases = args[++i].split(',').map(String::trim).filter(String::isNotEmpty)
                    "--peers-only" -> cases = emptyList()
                    "--repetitions" -> repetitions = args[++i].toInt()
                    "--workload-jar" -> workloadJar = Paths.get(args[++i])
                    "--one" -> one = args[i + 1] to args[i + 2].also { i += 2 }
                    "--warmup-factor" -> warmupFactor = args[++i].toInt()
                    "--warmup-seconds" -> warmupSeconds = args[++i].toDouble().also { require(it >= 0) { "--warmup-seconds must not be negative" } }
                    "--help", "-h" -> {
                        println(
                            "usage: benchmarks/run [--quick] [--json FILE] [--cases a,b | --peers-only] [--repetitions N] [--warmup-factor N] [--warmup-seconds S]\n" +
                                "cases: ${REGIMES.joinToString { it.name }}",
                        )
                        exitProcess(0)
                    }
                    else -> error("unknown option ${args[i]}; see --help")
                }
                i++
            }
            val unknown = cases - REGIMES.map { it.name }.toSet()
            require(unknown.isEmpty()) { "unknown cases $unknown; known: ${REGIMES.joinToString { it.name }}" }
            val jar = requireNotNull(workloadJar) { "--workload-jar is required (benchmarks/run passes it)" }
            require(Files.exists(jar)) { "workload jar $jar does not exist; run benchmarks/run, which builds it" }
            return Options(quick, json, cases, repetitions, jar, one, warmupFactor, warmupSeconds)
        }
    }
}

/** [n] divided by 10 in quick mode, but never to nothing: a regime runs at least once, and a warm-up of 0 stays 0. */
private fun scaled(n: Int, quick: Boolean): Int = if (quick && n > 0) maxOf(1, n / 10) else n

/** One regime in one mode, in this JVM: µs per operation. */
private fun runOne(regime: Regime, mode: String, options: Options): Double {
    val driver: WorkloadDriver = if (mode == "direct") DirectDriver() else ExtraditeDriver(options.workloadJar)
    driver.use {
        val warmup = scaled(regime.warmup, options.quick) * options.warmupFactor
        val iterations = scaled(regime.iterations, options.quick)
        if (warmup > 0) driver.run(regime, 0, warmup)
        // A steady-state run: the prescribed warm-up again and again, until the time is up.
        val warmupEnd = System.nanoTime() + (options.warmupSeconds * 1e9).toLong()
        if (options.warmupSeconds > 0 && !regime.name.startsWith("cold_start")) {
            while (System.nanoTime() < warmupEnd) driver.run(regime, 0, maxOf(warmup, 1))
        }
        if (regime.name == "cold_start_first_call_warm_session") (driver as ExtraditeDriver).prewarm()
        val start = System.nanoTime()
        driver.run(regime, warmup, warmup + iterations)
        return (System.nanoTime() - start) / 1000.0 / iterations
    }
}

private val java: String = Paths.get(System.getProperty("java.home"), "bin", "java").toString()

/** Runs [regime] in [mode] in a fresh JVM; the workload jar is on its classpath only for the direct baseline. */
private fun runInFreshJvm(regime: Regime, mode: String, options: Options): Double {
    val classpath = System.getProperty("java.class.path") + if (mode == "direct") File.pathSeparator + options.workloadJar else ""
    val command = buildList {
        add(java)
        System.getProperty("bench.childJvmArgs")?.let { add("-Dbench.childJvmArgs=$it") }
        // extradite's own settings (-Dextradite.spinMicros=0, say) reach every regime's host JVM.
        for (name in System.getProperties().stringPropertyNames().filter { it.startsWith("extradite.") }.sorted()) {
            add("-D$name=${System.getProperty(name)}")
        }
        add("-cp")
        add(classpath)
        add("dev.extradite.bench.RegimeBenchmarkKt")
        add("--workload-jar")
        add(options.workloadJar.toString())
        if (options.quick) add("--quick")
        add("--warmup-factor")
        add(options.warmupFactor.toString())
        add("--warmup-seconds")
        add(options.warmupSeconds.toString())
        add("--one")
        add(regime.name)
        add(mode)
    }
    val process = ProcessBuilder(command).redirectErrorStream(true).start()
    val output = process.inputStream.bufferedReader().readLines()
    check(process.waitFor() == 0) { "the ${regime.name}/$mode run failed:\n${output.joinToString("\n")}" }
    return output.last { it.startsWith("RESULT ") }.removePrefix("RESULT ").toDouble()
}

private fun median(values: List<Double>): Double = values.sorted().let { it[it.size / 2] }

private fun drive(options: Options) {
    val regimes = REGIMES.filter { it.name in options.cases }
    val direct = LinkedHashMap<String, List<Double>>()
    val extradite = LinkedHashMap<String, List<Double>>()
    for (regime in regimes) {
        // Direct and extradite runs alternate, so that a slowdown compares runs made in the same
        // stretch of this VM's time (it has fast and slow spells lasting seconds).
        val directRuns = ArrayList<Double>()
        val extraditeRuns = ArrayList<Double>()
        repeat(options.repetitions) {
            if (regime.directToo) directRuns += runInFreshJvm(regime, "direct", options)
            extraditeRuns += runInFreshJvm(regime, "extradite", options)
        }
        if (regime.directToo) direct[regime.name] = directRuns
        extradite[regime.name] = extraditeRuns
        System.err.println("${regime.name}: direct ${direct[regime.name]?.let(::median)} extradite ${median(extradite.getValue(regime.name))} µs/op")
    }
    val roundTrips = if (options.quick) 5_000 else 20_000
    val classpath = System.getProperty("java.class.path")
    val (raw, rmi, single, rawSpin, ktorSingle) = measurePeers(java, classpath, options.workloadJar, 3 * roundTrips)

    println(String.format("%-36s %14s %14s %9s", "regime", "direct µs/op", "extradite µs/op", "slowdown"))
    for (regime in regimes) {
        val d = direct[regime.name]?.let(::median)
        val e = median(extradite.getValue(regime.name))
        println(String.format("%-36s %14s %14.1f %9s", regime.name, d?.let { "%.2f".format(it) } ?: "—", e, d?.let { "%.2f".format(e / it) } ?: "—"))
    }
    println(
        String.format(
            "raw_uds_roundtrip_us %.1f, java_rmi_roundtrip_us %.1f, extradite_single_call_us %.1f, raw_uds_spin_roundtrip_us %.1f, extradite_ktor_single_call_us %.1f",
            raw, rmi, single, rawSpin, ktorSingle,
        ),
    )

    options.json?.let { path ->
        val json = buildJsonObject {
            putJsonArray("cases") { regimes.forEach { add(kotlinx.serialization.json.JsonPrimitive(it.name)) } }
            putJsonObject("direct_stats") { direct.forEach { (name, runs) -> put(name, stats(runs)) } }
            putJsonObject("extradite_stats") { extradite.forEach { (name, runs) -> put(name, stats(runs)) } }
            putJsonObject("peers") {
                put("raw_uds_roundtrip_us", raw)
                // Not one of the issue's three: the same ping-pong with both sides spinning.
                put("raw_uds_spin_roundtrip_us", rawSpin)
                put("java_rmi_roundtrip_us", rmi)
                put("extradite_single_call_us", single)
                // Not one of the issue's three: the same call over the Ktor transport (-Dextradite.transport=ktor).
                put("extradite_ktor_single_call_us", ktorSingle)
            }
            put("quick", options.quick)
            put("warmup_factor", options.warmupFactor)
            put("warmup_seconds", options.warmupSeconds)
            put("repetitions", options.repetitions)
        }
        Files.writeString(path, Json { prettyPrint = true }.encodeToString(JsonObject.serializer(), json))
        System.err.println("wrote $path")
    }
}

private fun stats(runs: List<Double>): JsonObject = buildJsonObject {
    put("median_us_per_op", median(runs))
    putJsonArray("runs_us_per_op") { runs.forEach { add(kotlinx.serialization.json.JsonPrimitive(it)) } }
}
