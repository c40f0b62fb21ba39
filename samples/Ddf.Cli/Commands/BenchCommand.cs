using System.ComponentModel;
using Ddf.Bench;
using Spectre.Console.Cli;

namespace Ddf.Cli.Commands;

/// <summary>The benchmark of samples/Ddf.Bench, run from this program (it starts itself once per malloc setting).</summary>
internal sealed class BenchCommand : Command<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--malloc <MODE>")]
        [Description("Run one setting only: default or keep (glibc keeping freed memory). Default: both, one process each.")]
        public string? Malloc { get; init; }

        [CommandOption("--runs <N>")]
        [Description("Timed runs per operation. Default: 11.")]
        public int? Runs { get; init; }

        [CommandOption("--unfold <YESNO>")]
        [Description("Time the (slow) unfold formulation too: yes or no. Default: yes.")]
        public string? Unfold { get; init; }

        [CommandOption("--onnx <MODE>")]
        [Description("ONNX Runtime rows (exported default layer, DDF-ResNet-50): yes, no or only. Default: yes.")]
        public string? Onnx { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        var args = new System.Collections.Generic.List<string>();
        if (settings.Malloc is not null)
            args.AddRange(["--malloc", settings.Malloc]);
        if (settings.Runs is not null)
            args.AddRange(["--runs", settings.Runs.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (settings.Unfold is not null)
            args.AddRange(["--unfold", settings.Unfold]);
        if (settings.Onnx is not null)
            args.AddRange(["--onnx", settings.Onnx]);
        return BenchRunner.Run(args.ToArray(), "bench");
    }
}
