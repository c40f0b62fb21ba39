using System;
using System.Globalization;
using Ddf.Cli.Mnist;
using Ddf.Runtime;
using static TorchSharp.torch;

namespace Ddf.Cli;

/// <summary>ddf: train and use decoupled dynamic filter layers on real data.</summary>
internal static class Program
{
    private const string Usage = """
        usage: ddf [demo] [--epochs N] [--batch N] [--seed N]

          demo    train a digit classifier built from generated [DynamicFilter] layers and its 3x3-conv twin on the 10,000 real MNIST digits
                  embedded in this program (8,000 train / 2,000 test), and print both test accuracies.
                  Default: --epochs 3 --batch 64 --seed 1
        """;

    public static int Main(string[] args)
    {
        try
        {
            var options = DemoOptions.Parse(args);
            if (options is null)
            {
                Console.WriteLine(Usage);
                return 0;
            }
            return RunDemo(options);
        }
        catch (ArgumentException error)
        {
            Console.Error.WriteLine($"ddf: {error.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private static int RunDemo(DemoOptions options)
    {
        // Training allocates the same large tensors every step: keep glibc from handing them back to
        // the OS (and paying their page faults again) on every free. See NativeMemoryTuning.
        NativeMemoryTuning.KeepFreedMemory();
        manual_seed(options.Seed);
        var digits = MnistDigits.LoadEmbedded();
        var (train, test) = digits.Split();
        Console.WriteLine($"MNIST: {digits.Count} real digits embedded, {train.Length} train / {test.Length} test; {options.Epochs} epoch(s), batch {options.Batch}, {Environment.ProcessorCount} cores");

        var results = new (string Name, MnistTrainer.Result Result)[2];
        foreach (var (i, name, model) in new[] { (0, "DDF", MnistNets.Ddf()), (1, "conv 3x3", MnistNets.Conv()) })
        {
            manual_seed(options.Seed);
            results[i] = (name, MnistTrainer.Train(model, digits, train, test, options.Epochs, options.Batch, options.Seed,
                line => Console.WriteLine($"  [{name}] {line}")));
        }

        Console.WriteLine();
        Console.WriteLine("| network  | parameters | test accuracy | final loss | time |");
        Console.WriteLine("|----------|-----------:|--------------:|-----------:|-----:|");
        foreach (var (name, r) in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name,-8} | {r.Parameters,10:N0} | {r.TestAccuracy,12:P2} | {r.FinalLoss,10:F4} | {r.Elapsed.TotalSeconds,3:F0} s |"));
        return 0;
    }

    private sealed record DemoOptions(int Epochs, int Batch, int Seed)
    {
        public static DemoOptions? Parse(string[] args)
        {
            var options = new DemoOptions(3, 64, 1);
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "demo" when i == 0:
                        break;
                    case "-h" or "--help":
                        return null;
                    case "--epochs":
                        options = options with { Epochs = Positive(args, ref i) };
                        break;
                    case "--batch":
                        options = options with { Batch = Positive(args, ref i) };
                        break;
                    case "--seed":
                        options = options with { Seed = Positive(args, ref i) };
                        break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}'.");
                }
            }
            return options;
        }

        private static int Positive(string[] args, ref int i)
        {
            string name = args[i];
            if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new ArgumentException($"{name} needs a positive whole number.");
            return value;
        }
    }
}
