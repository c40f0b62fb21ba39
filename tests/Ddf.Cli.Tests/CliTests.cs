using System;
using System.IO;
using System.Linq;
using Ddf.Cli.Mnist;
using Spectre.Console;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Cli.Tests;

/// <summary>The command line as a user meets it. Serial: the commands share the process's console.</summary>
[Collection("console")]
public class CliTests
{
    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No });
        int code = Program.Main(args);
        return (code, writer.ToString());
    }

    [Theory]
    [InlineData("train depth-upsample --scale 3", "--scale must be 4, 8 or 16")]
    [InlineData("train depth-upsample --scale 8 --size 60", "--size must be a positive multiple")]
    [InlineData("train mnist --epochs 0", "--epochs and --batch must be at least 1")]
    [InlineData("summary vgg16", "unknown model 'vgg16'")]
    [InlineData("train mnist --epochs many", "many")]
    [InlineData("frobnicate", "frobnicate")]
    public void Bad_arguments_print_a_message_and_fail_without_a_stack_trace(string command, string expected)
    {
        var (code, output) = Run(command.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void Summary_prints_the_published_parameter_counts()
    {
        var (code, output) = Run("summary", "ddf_resnet50", "--size", "64");
        Assert.Equal(0, code);
        Assert.Contains("16,843,748", output);
        Assert.Contains("25,557,032", output);
    }

    [Fact]
    public void The_embedded_digits_load_with_a_deterministic_disjoint_split()
    {
        var digits = MnistDigits.LoadEmbedded();
        Assert.Equal(10_000, digits.Count);
        Assert.All(Enumerable.Range(0, 10), label => Assert.InRange(digits.Labels.Count(l => l == label), 800, 1200));
        var (train, test) = digits.Split();
        Assert.Equal(8_000, train.Length);
        Assert.Equal(2_000, test.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(test, digits.Split().Test);

        var (images, labels) = digits.Batch(test.AsSpan(0, 5));
        Assert.Equal(new long[] { 5, 1, 28, 28 }, images.shape);
        Assert.InRange(images.max().item<float>(), 0.9f, 1f);
        Assert.Equal(0f, images.min().item<float>());
        Assert.Equal(new long[] { 5 }, labels.shape);
    }

    [Fact]
    public void A_truncated_file_is_a_clear_error()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionMode.Compress, leaveOpen: true))
            gzip.Write([10, 0, 0, 0, 3, 1, 2]);
        buffer.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(buffer));
        Assert.Contains("ends inside digit 0", error.Message);
    }

    [Fact]
    public void A_short_training_run_on_a_few_digits_lowers_the_loss()
    {
        manual_seed(1);
        var digits = MnistDigits.LoadEmbedded();
        var (train, test) = digits.Split();
        var result = MnistTrainer.Train(MnistNets.Ddf(), digits, train[..256], test[..64], epochs: 2, batchSize: 32, seed: 1);
        double first = result.Losses.Take(4).Average(), last = result.Losses.TakeLast(4).Average();
        Assert.True(last < first, $"loss went from {first} to {last}");
        Assert.Equal(2, result.EpochAccuracies.Count);
    }
}
