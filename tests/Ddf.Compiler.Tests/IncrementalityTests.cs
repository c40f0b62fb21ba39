using System.Linq;
using Ddf.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>What an edit recomputes: nothing for unrelated edits, the model for a changed setting.</summary>
public class IncrementalityTests
{
    private const string Layer = "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 3)]\npublic partial class L;\n";

    private static IncrementalStepRunReason[] Reasons(GeneratorDriverRunResult result, string step) =>
        result.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriverRunResult result) =>
        result.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached()
    {
        var compilation = GeneratorHarness.Compile(true, Layer);
        var (driver, _, _) = GeneratorHarness.Run(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", new CSharpParseOptions(LanguageVersion.Latest)));
        var result = driver.RunGenerators(edited).GetRunResult();

        // The parse may rerun on the new compilation, but must produce an equal result; nothing downstream reruns.
        Assert.All(Reasons(result, TrackingNames.Parse), r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        Assert.All(Reasons(result, TrackingNames.Spec), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(result), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Changing_the_kernel_size_modifies_the_model_and_regenerates()
    {
        var compilation = GeneratorHarness.Compile(true, Layer);
        var (driver, _, _) = GeneratorHarness.Run(compilation);
        var tree = compilation.SyntaxTrees.Single();

        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Layer.Replace("KernelSize = 3", "KernelSize = 5"))));
        var result = driver.RunGenerators(edited).GetRunResult();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(result, TrackingNames.Spec));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(result));
    }

    [Fact]
    public void Moving_the_class_within_its_file_leaves_the_model_unchanged()
    {
        var compilation = GeneratorHarness.Compile(true, Layer);
        var (driver, _, _) = GeneratorHarness.Run(compilation);
        var tree = compilation.SyntaxTrees.Single();

        var moved = Layer.Replace("namespace Demo;\n", "namespace Demo;\n\n// a comment that moves the class down\n\n");
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(moved)))).GetRunResult();

        // The parse reruns (its syntax moved) and yields an equal spec, so no file is regenerated.
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(result, TrackingNames.Parse));
        Assert.All(Reasons(result, TrackingNames.Spec), r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        Assert.All(OutputReasons(result), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Parsing_the_same_class_twice_gives_equal_models()
    {
        GeneratorHarness.Run(GeneratorHarness.Compile(true, Layer), out var first);
        GeneratorHarness.Run(GeneratorHarness.Compile(true, Layer), out var second);

        Assert.Equal(first, second);
        Assert.True(first == second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }
}
