using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using static TorchSharp.torch;

namespace Ddf.Bench;

/// <summary>
/// BenchmarkDotNet view of the headline rows at the paper's Table 2 size (2x256x200x300, k = 3, float32, all cores):
/// ratios to the copy floor and managed bytes allocated per call (MemoryDiagnoser). Forward+backward rows are
/// <see cref="AllGradients"/>. Runs in-process: a separate benchmark build would miss the libstdc++ fix (README).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Settings))]
public class Table2Benchmarks
{
    private const int B = 2, C = 256, H = 200, W = 300, K = 3;
    private Tensor x = null!, cf = null!, sf = null!, depthwise = null!, gradOutput = null!, target = null!, output = null!;
    private Ddf3x3 layer = null!;
    private nn.Module<Tensor, Tensor> conv = null!;

    private sealed class Settings : ManualConfig
    {
        public Settings()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(6).WithIterationCount(15).WithInvocationCount(1).WithUnrollFactor(1));
            SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(BenchmarkDotNet.Columns.RatioStyle.Value);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Environment.ProcessorCount);
        var generator = new Generator(1);
        x = randn([B, C, H, W], generator: generator);
        cf = randn([B, C, K, K], generator: generator);
        sf = randn([B, K * K, H, W], generator: generator);
        depthwise = randn([C, 1, K, K], generator: generator);
        gradOutput = randn([B, C, H, W], generator: generator);
        target = empty_like(x);
        output = empty_like(x);
        layer = new Ddf3x3(C);
        conv = nn.Conv2d(C, C, K, padding: 1, bias: false);
        // Grow the heap once to what the benchmarks cycle through (glibc keeps it: see NativeMemoryTuning).
        var primers = Enumerable.Range(0, 10).Select(_ => zeros_like(x)).ToList();
        primers.ForEach(t => t.Dispose());
    }

    [Benchmark(Baseline = true, Description = "copy into preallocated tensor (floor)")]
    public void Copy() => target.copy_(x);

    [Benchmark(Description = "Ddf.ops.ddf forward")]
    public void Forward()
    {
        using var _ = no_grad();
        ops.ddf(x, cf, sf, K).Dispose();
    }

    [Benchmark(Description = "Ddf.ops.ddf forward, out: preallocated")]
    public void ForwardInto()
    {
        using var _ = no_grad();
        ops.ddf(x, cf, sf, K, @out: output);
    }

    [Benchmark(Description = "Ddf.ops.ddf forward+backward")]
    public void ForwardBackward() => AllGradients.Take(t => ops.ddf(t[0], t[1], t[2], K), gradOutput, x, cf, sf);

    [Benchmark(Description = "TorchSharp depthwise conv2d forward")]
    public void DepthwiseForward()
    {
        using var _ = no_grad();
        nn.functional.conv2d(x, depthwise, padding: [1, 1], groups: C).Dispose();
    }

    [Benchmark(Description = "TorchSharp depthwise conv2d forward+backward")]
    public void DepthwiseForwardBackward() => AllGradients.Take(t => nn.functional.conv2d(t[0], t[1], padding: [1, 1], groups: C), gradOutput, x, depthwise);

    [Benchmark(Description = "generated Ddf3x3 layer forward")]
    public void LayerForward()
    {
        using var _ = no_grad();
        layer.forward(x).Dispose();
    }

    [Benchmark(Description = "TorchSharp conv2d 3x3 256->256 forward")]
    public void ConvForward()
    {
        using var _ = no_grad();
        conv.forward(x).Dispose();
    }
}
