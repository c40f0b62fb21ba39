using System;
using System.ComponentModel;
using System.Linq;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Ddf.Cli.Commands;

/// <summary>Parameters and multiply-adds of a model, per top-level part, next to its plain counterpart.</summary>
internal sealed class SummaryCommand : Command<SummaryCommand.Settings>
{
    internal static readonly string[] Models = ["ddf_resnet18", "ddf_resnet50", "ddf_resnet101", "resnet18", "resnet50", "resnet101"];

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        [Description("ddf_resnet18, ddf_resnet50, ddf_resnet101, resnet18, resnet50 or resnet101.")]
        public string Model { get; init; } = "";

        [CommandOption("--size <N>")]
        [Description("Input height and width. Default: 224.")]
        [DefaultValue(224)]
        public int Size { get; init; }

        public override ValidationResult Validate() =>
            !Models.Contains(Model) ? ValidationResult.Error($"unknown model '{Model}'; use one of: {string.Join(", ", Models)}.")
            : Size < 32 ? ValidationResult.Error($"--size must be at least 32, got {Size}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, System.Threading.CancellationToken cancellation)
    {
        var input = zeros(1, 3, settings.Size, settings.Size);
        var rows = ModelProfile.Run(Create(settings.Model), input);
        var table = new Table().AddColumns("part", "parameters", "MACs (paper's counter)", "DDF operation", "MACs, all counted");
        foreach (var row in rows)
        {
            string name = row.Name == "total" ? "[bold]total[/]" : Markup.Escape(row.Name);
            table.AddRow(name, $"{row.Parameters:N0}", Giga(row.Macs), Giga(row.DdfMacs), Giga(row.AllMacs));
        }
        AnsiConsole.Write(table);

        string plainName = settings.Model.Replace("ddf_", "", StringComparison.Ordinal);
        if (plainName != settings.Model)
        {
            var plain = ModelProfile.Run(Create(plainName), input)[^1];
            var total = rows[^1];
            AnsiConsole.MarkupLine($"{plainName}: {plain.Parameters:N0} parameters, {Giga(plain.Macs)} MACs; " +
                $"{settings.Model} has {(double)total.Parameters / plain.Parameters:P0} of its parameters and {total.AllMacs / plain.Macs:P0} of its MACs (all counted).");
        }
        AnsiConsole.MarkupLine("MACs: multiply-adds at batch 1. The paper's counter skipped the DDF operation (its 2.3B for DDF-ResNet-50); " +
            "it costs 1.5 k*k multiply-adds per output element (filter combination and application, the paper's 3nck^2 FLOPs).");
        return 0;
    }

    private static string Giga(double macs) => $"{macs / 1e9:F3} B";

    internal static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        "ddf_resnet18" => Ddf.models.ddf_resnet18(),
        "ddf_resnet50" => Ddf.models.ddf_resnet50(),
        "ddf_resnet101" => Ddf.models.ddf_resnet101(),
        "resnet18" => Ddf.models.resnet18(),
        "resnet50" => Ddf.models.resnet50(),
        _ => Ddf.models.resnet101(),
    };
}
