using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Ddf.Runtime;
using Ddf.Reference;
using static TorchSharp.torch;

namespace Ddf.Bench;

/// <summary>
/// Times Ddf.ops.ddf (which runs kernels specialised for k = 3), the generic run-time-k kernels and a
/// generated layer at the paper's Table 2 size (2x256x200x300, k = 3, float32, all cores) next to
/// TorchSharp's depthwise conv2d, the unfold formulation and a copy into preallocated memory (the
/// floor for one pass over the bytes), and prints markdown tables with ratios. Without arguments it
/// runs itself twice, once keeping freed memory and once with glibc's default malloc (see
/// NativeMemoryTuning), because fresh pages dominate every op that returns a new tensor here.
/// </summary>
public static class BenchRunner
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Runs the benchmark. Without arguments it runs itself twice as child processes (glibc keeping freed memory,
    /// then default malloc); <paramref name="childPrefix"/> is what the child's command line starts with.
    /// </summary>
    public static int Run(string[] args, params string[] childPrefix)
    {
        if (args.Length == 0)
            return RunBoth(childPrefix);
        var options = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
            options[args[i]] = args[i + 1];
        int runs = 11;
        if (options.TryGetValue("--onnx", out var onnxOnly) && onnxOnly == "only" && !options.ContainsKey("--malloc"))
            options["--malloc"] = KeepsFreedMemory ? "keep" : "default";
        if (args.Length % 2 != 0 || !options.TryGetValue("--malloc", out var malloc) || malloc is not ("default" or "keep")
            || (options.TryGetValue("--runs", out var r) && (!int.TryParse(r, NumberStyles.None, Invariant, out runs) || runs < 1))
            || (options.TryGetValue("--unfold", out var u) && u is not ("yes" or "no"))
            || (options.TryGetValue("--onnx", out var o) && o is not ("yes" or "no" or "only")))
        {
            Console.Error.WriteLine("usage: Ddf.Bench [--malloc default|keep] [--runs N] [--unfold yes|no] [--onnx yes|no|only]");
            return 2;
        }
        bool unfold = u != "no";
        if (o != "only")
            Run(malloc == "keep", runs, unfold);
        // ONNX Runtime beside the TorchSharp path (issue 16): once, in the keep-memory child (the first), unless asked.
        if (o == "only" || (o is null && malloc == "keep"))
            OnnxBench.Run(runs);
        return 0;
    }

    private static int RunBoth(string[] childPrefix)
    {
        // Keep-memory first: after the default-malloc child has churned gigabytes of fresh pages, this VM's proactive
        // reclaim (DAMON) paged out the next child's kept heap while it was being timed.
        foreach (var malloc in new[] { "keep", "default" })
        {
            int exit = RunChild(malloc == "keep", [.. childPrefix, "--malloc", malloc]);
            if (exit != 0)
                return exit;
        }
        return 0;
    }

    /// <summary>
    /// Runs this program again with <paramref name="args"/>, with or without glibc keeping freed memory (and, with
    /// <paramref name="oneArena"/>, a single malloc arena); returns its exit code.
    /// </summary>
    internal static int RunChild(bool keepFreedMemory, string[] args, bool oneArena = false)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        // glibc reads these at start-up, before the runtime allocates anything: steadier than mallopt later.
        foreach (var (name, value) in KeepFreedMemoryEnvironment)
        {
            if (keepFreedMemory)
                start.Environment[name] = value;
            else
                start.Environment.Remove(name);
        }
        if (oneArena)
            start.Environment["MALLOC_ARENA_MAX"] = "1";
        using var child = Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>Whether this process started with glibc keeping freed memory (the environment <see cref="RunChild"/> sets).</summary>
    internal static bool KeepsFreedMemory => Array.TrueForAll(KeepFreedMemoryEnvironment, e => Environment.GetEnvironmentVariable(e.Name) == e.Value);

    private static readonly (string Name, string Value)[] KeepFreedMemoryEnvironment =
    [
        ("MALLOC_MMAP_MAX_", "0"), ("MALLOC_TRIM_THRESHOLD_", "68719476736"), ("MALLOC_TOP_PAD_", "268435456"),
    ];

    private static void Run(bool keepFreedMemory, int runs, bool unfold)
    {
        if (keepFreedMemory && !KeepsFreedMemory && !NativeMemoryTuning.KeepFreedMemory())
            throw new InvalidOperationException("glibc mallopt is not available on this system.");
        set_num_threads(Environment.ProcessorCount);
        const int B = 2, C = 256, H = 200, W = 300, K = 3;
        var generator = new Generator(1);
        var x = randn([B, C, H, W], generator: generator);
        var cf = randn([B, C, K, K], generator: generator);
        var sf = randn([B, K * K, H, W], generator: generator);
        var depthwise = randn([C, 1, K, K], generator: generator);
        var gradOutput = randn([B, C, H, W], generator: generator);
        var floorTarget = empty_like(x);
        var layer = new Ddf3x3(C);

        // First, before anything primes the heap: inference loops as users write them.
        var steady = new List<(string Name, double Ms, double GrowthMiB)>();
        void Steady(string name, Func<Tensor> call)
        {
            var (ms, growth) = Measure.SteadyLoop(call,
                times => Console.Error.WriteLine($"  steady {name}: calls (ms) {string.Join(" ", Array.ConvertAll(times, t => t.ToString("F0", Invariant)))}"));
            steady.Add((name, ms, growth));
        }
        using (no_grad())
        {
            var reused = empty_like(x);
            Steady("Ddf.ops.ddf forward", () => ops.ddf(x, cf, sf, K));
            Steady("Ddf.ops.ddf forward, out: one preallocated output", () => ops.ddf(x, cf, sf, K, @out: reused));
            Steady("generated Ddf3x3 layer forward", () => layer.forward(x));
            Steady("TorchSharp depthwise conv2d forward", () => nn.functional.conv2d(x, depthwise, padding: [1, 1], groups: C));
        }

        if (keepFreedMemory)
        {
            // Touch once the heap memory the ops below will cycle through, so that no row pays the
            // page faults of the heap's growth in its timed runs (glibc keeps it after the free).
            var primers = new List<Tensor>();
            for (int i = 0; i < 10; i++)
                primers.Add(zeros_like(x));
            primers.ForEach(t => t.Dispose());
        }

        var rows = new List<(string Name, double Ms)>();
        void Time(string name, Action action, int count)
        {
            double ms = Measure.MedianMilliseconds(action, warmups: count > 1 ? 8 : 0, runs: count,
                times => Console.Error.WriteLine($"  {name}: runs (ms) {string.Join(" ", Array.ConvertAll(times, t => t.ToString("F0", Invariant)))}"));
            rows.Add((name, ms));
        }
        void ForwardBackward(Func<Tensor[], Tensor> f, params Tensor[] inputs) => AllGradients.Take(f, gradOutput, inputs);

        Console.Error.WriteLine($"timing ({(keepFreedMemory ? "glibc keeping freed memory" : "default glibc malloc")}, {runs} runs each)...");
        Time("copy into preallocated tensor (floor)", () => floorTarget.copy_(x), runs);
        using (no_grad())
        {
            Time("Ddf.ops.ddf forward", () => ops.ddf(x, cf, sf, K).Dispose(), runs);
            var output = empty_like(x);
            Time("Ddf.ops.ddf forward, out: preallocated", () => ops.ddf(x, cf, sf, K, @out: output), runs);
            Time("TorchSharp depthwise conv2d forward", () => nn.functional.conv2d(x, depthwise, padding: [1, 1], groups: C).Dispose(), runs);
        }
        Time("Ddf.ops.ddf forward+backward", () => ForwardBackward(t => ops.ddf(t[0], t[1], t[2], K), x, cf, sf), runs);
        Time("Ddf.ops.ddf forward+backward, backward() into leaf .grad", () =>
        {
            using var scope = NewDisposeScope();
            var leaves = Array.ConvertAll(new[] { x, cf, sf }, t => t.detach().requires_grad_(true));
            ops.ddf(leaves[0], leaves[1], leaves[2], K).backward([gradOutput]);
        }, runs);
        var generic = Runtime.DdfCpuKernelSet.Generic(true, true, KernelCombine.Mul);
        var geometry = DdfTensors.Validate(x, cf, sf, K, 1, 1, KernelCombine.Mul);
        Time("generic (run-time k) kernel forward", () => DdfTensors.Forward(x, cf, sf, geometry, generic).Dispose(), runs);
        Time("generic (run-time k) kernel forward+backward", () =>
        {
            using var s = NewDisposeScope();
            DdfTensors.Forward(x, cf, sf, geometry, generic);
            DdfTensors.Backward(x, cf, sf, gradOutput, geometry, generic, true, true, true);
        }, runs);
        using (no_grad())
            Time("generated Ddf3x3 kernel forward", () => Ddf3x3.filter(x, cf, sf).Dispose(), runs);
        Time("generated Ddf3x3 kernel forward+backward", () => ForwardBackward(t => Ddf3x3.filter(t[0], t[1], t[2]), x, cf, sf), runs);
        var conv = nn.Conv2d(C, C, K, padding: 1, bias: false);
        using (no_grad())
        {
            Time("generated Ddf3x3 layer forward (branches + filtering)", () => layer.forward(x).Dispose(), runs);
            Time("TorchSharp conv2d 3x3 256->256 forward", () => conv.forward(x).Dispose(), runs);
        }
        Time("generated Ddf3x3 layer forward+backward", () => { using var s = NewDisposeScope(); layer.forward(x.detach().requires_grad_(true)).backward([gradOutput]); }, runs);
        Time("TorchSharp depthwise conv2d forward+backward",
            () => ForwardBackward(t => nn.functional.conv2d(t[0], t[1], padding: [1, 1], groups: C), x, depthwise), runs);
        if (unfold)
        {
            using (no_grad())
                Time("unfold-based DDF forward (TorchSharp)", () => { using var s = NewDisposeScope(); UnfoldReference.Ddf(x, cf, sf, K); }, 1);
        }

        // Other specs and the thread scaling of Ddf.ops.ddf (fewer runs: these are secondary tables).
        var specs = new List<(string Name, double Forward, double Both)>();
        void Spec(string name, long b, long c, long h, long w, long k, long d, long s)
        {
            long ho = (h - 1) / s + 1, wo = (w - 1) / s + 1;
            var (sx, scf, ssf, sgo) = (randn(b, c, h, w), randn(b, c, k, k), randn(b, k * k, ho, wo), randn(b, c, ho, wo));
            double forward, both;
            using (no_grad())
                forward = Measure.MedianMilliseconds(() => ops.ddf(sx, scf, ssf, k, d, s).Dispose(), 3, 5);
            both = Measure.MedianMilliseconds(() => AllGradients.Take(t => ops.ddf(t[0], t[1], t[2], k, d, s), sgo, sx, scf, ssf), 3, 5);
            specs.Add((name, forward, both));
            Console.Error.WriteLine(string.Create(Invariant, $"  {name}: forward {forward:F1} ms, forward+backward {both:F1} ms"));
        }
        Spec($"{B}x{C}x{H}x{W}, k = 5", B, C, H, W, 5, 1, 1);
        Spec($"{B}x{C}x{H}x{W}, k = 7", B, C, H, W, 7, 1, 1);
        Spec($"{B}x{C}x{H}x{W}, k = 3, stride 2", B, C, H, W, 3, 1, 2);
        Spec($"{B}x{C}x{H}x{W}, k = 3, dilation 2", B, C, H, W, 3, 2, 1);
        Spec("1x64x512x512, k = 3 (latency)", 1, 64, 512, 512, 3, 1, 1);
        // Thread scaling: the headline rows again on one thread (the kernels' and libtorch's), same tensors and runs.
        (int threads, int torchThreads) = (CpuParallelism.MaxDegreeOfParallelism, get_num_threads());
        CpuParallelism.MaxDegreeOfParallelism = 1;
        set_num_threads(1);
        using (no_grad())
            Time("Ddf.ops.ddf forward, one thread", () => ops.ddf(x, cf, sf, K).Dispose(), runs);
        Time("Ddf.ops.ddf forward+backward, one thread", () => ForwardBackward(t => ops.ddf(t[0], t[1], t[2], K), x, cf, sf), runs);
        CpuParallelism.MaxDegreeOfParallelism = threads;
        set_num_threads(torchThreads);

        double Ms(string name) => rows.Find(r => r.Name == name).Ms;
        double depthwiseForward = rows.Find(r => r.Name == "TorchSharp depthwise conv2d forward").Ms;
        double depthwiseBoth = rows.Find(r => r.Name == "TorchSharp depthwise conv2d forward+backward").Ms;
        double floor = rows[0].Ms;
        Console.WriteLine();
        Console.WriteLine($"### {B}x{C}x{H}x{W}, k = {K}, float32, {Environment.ProcessorCount} threads, {(keepFreedMemory ? "glibc keeping freed memory" : "default glibc malloc")}");
        Console.WriteLine();
        Console.WriteLine($"| steady loop, {Measure.SteadyCalls} calls, nothing primed | median of calls 7-{Measure.SteadyCalls}, ms | resident memory gained, calls 3-{Measure.SteadyCalls}, MiB |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, ms, growth) in steady)
            Console.WriteLine(string.Create(Invariant, $"| {name} | {ms:F1} | {growth:+0;-0;0} |"));
        Console.WriteLine();
        Console.WriteLine("| operation | median ms | x copy floor | x depthwise conv (same pass) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, ms) in rows)
        {
            double reference = name.Contains("forward+backward") ? depthwiseBoth : depthwiseForward;
            Console.WriteLine(string.Create(Invariant, $"| {name} | {ms:F1} | {ms / floor:F1} | {ms / reference:F2} |"));
        }
        Console.WriteLine();
        Console.WriteLine("| ratio (same run) | value |");
        Console.WriteLine("|---|---:|");
        foreach (var (label, numerator, denominator) in new[]
        {
            ("generic (run-time k) kernel / generated Ddf3x3 kernel, forward (speed-up)", "generic (run-time k) kernel forward", "generated Ddf3x3 kernel forward"),
            ("generic / generated kernel, forward+backward (speed-up)", "generic (run-time k) kernel forward+backward", "generated Ddf3x3 kernel forward+backward"),
            ("conv2d 3x3 256->256 / generated layer, forward (speed-up)", "TorchSharp conv2d 3x3 256->256 forward", "generated Ddf3x3 layer forward (branches + filtering)"),
        })
            Console.WriteLine(string.Create(Invariant, $"| {label} | {Ms(numerator) / Ms(denominator):F2} |"));
        Console.WriteLine();
        Console.WriteLine("| Ddf.ops.ddf, other specs (median of 5) | forward ms | forward+backward ms | forward x copy floor |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, forward, both) in specs)
            Console.WriteLine(string.Create(Invariant, $"| {name} | {forward:F1} | {both:F1} | {forward / floor:F1} |"));
        double scalingForward = Ms("Ddf.ops.ddf forward, one thread") / Ms("Ddf.ops.ddf forward");
        double scalingBoth = Ms("Ddf.ops.ddf forward+backward, one thread") / Ms("Ddf.ops.ddf forward+backward");
        Console.WriteLine();
        Console.WriteLine("| target (same run) | value | target | met |");
        Console.WriteLine("|---|---:|---:|---|");
        int cores = Environment.ProcessorCount;
        foreach (var (label, value, limit, atMost) in new[]
        {
            ("Ddf.ops.ddf forward / copy floor", Ms("Ddf.ops.ddf forward") / floor, 3.0, true),
            ("Ddf.ops.ddf forward / depthwise conv forward", Ms("Ddf.ops.ddf forward") / depthwiseForward, 0.7, true),
            ("Ddf.ops.ddf forward+backward / copy floor", Ms("Ddf.ops.ddf forward+backward") / floor, 8.0, true),
            ("generated layer forward / conv2d 3x3 256->256 forward", Ms("generated Ddf3x3 layer forward (branches + filtering)") / Ms("TorchSharp conv2d 3x3 256->256 forward"), 0.1, true),
            ($"Ddf.ops.ddf forward speed-up, 1 -> {cores} threads", scalingForward, 0.85 * cores, false),
            ($"Ddf.ops.ddf forward+backward speed-up, 1 -> {cores} threads", scalingBoth, 0.85 * cores, false),
        })
        {
            bool met = atMost ? value <= limit : value >= limit;
            Console.WriteLine(string.Create(Invariant, $"| {label} | {value:F2} | {(atMost ? "<=" : ">=")} {limit:0.##} | {(met ? "yes" : "no")} |"));
        }
    }
}

internal static class Program
{
    /// <summary>
    /// <c>Ddf.Bench</c>: the tables (see <see cref="BenchRunner"/>). <c>Ddf.Bench bdn [BenchmarkDotNet options]</c>:
    /// <see cref="Table2Benchmarks"/> under BenchmarkDotNet, restarted with glibc keeping freed memory unless it already is.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is not ["bdn", ..])
            return BenchRunner.Run(args);
        // BenchmarkDotNet runs the benchmarks on a thread of its own, whose glibc arena would serve every 123 MB
        // block from fresh pages (per-thread arenas hold at most 64 MB): one arena for all threads avoids that.
        if (!BenchRunner.KeepsFreedMemory || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") != "1")
            return BenchRunner.RunChild(keepFreedMemory: true, args, oneArena: true);
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(Table2Benchmarks)]).Run(args[1..]);
        return 0;
    }
}
