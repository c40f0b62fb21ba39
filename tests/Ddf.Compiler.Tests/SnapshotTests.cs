using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Ddf.Testing;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// The generated files for a representative set of specs, snapshotted per concern. Each run also proves that the output
/// compiles and that the generator's cache holds.
/// </summary>
/// <remarks>
/// A case whose point is the kernels (kernel size, dilation, stride, branches, combine) snapshots all its files. A case
/// that only changes the module (normalisation, heads, DDF-Up, the namespace the layer is declared in) snapshots its
/// module and autograd files, and its Onnx file where that differs, and asserts that the rest equal those of the case
/// with the same kernel spec (<see cref="Case.KernelsAs"/>, <see cref="Case.OnnxAs"/>) instead of storing a copy:
/// equal up to the layer's name and the namespace and containing types around it (<see cref="LayerFileAssert"/>).
/// </remarks>
public class SnapshotTests
{
    /// <summary>One snapshot case.</summary>
    /// <param name="Name">The snapshot name: <c>Snapshots/SnapshotTests.{Name}#{hint name}.verified.cs</c>.</param>
    /// <param name="Source">The user's code.</param>
    /// <param name="KernelsAs">Null when the case snapshots its kernel files; else the case (one that snapshots them)
    /// whose kernel files this case's must equal: the same kernel spec under another name.</param>
    /// <param name="OnnxAs">Likewise for the Onnx file.</param>
    private sealed record Case(string Name, string Source, string? KernelsAs = null, string? OnnxAs = null)
    {
        /// <summary>The case whose file of this kind this case's must equal, or null when this case snapshots it.</summary>
        public string? SameAs(string kind) => kind switch
        {
            "Kernels.Cpu.g.cs" or "Kernels.Gpu.g.cs" => KernelsAs,
            "Onnx.g.cs" => OnnxAs,
            _ => null,
        };
    }

    private static readonly IReadOnlyList<Case> Cases =
    [
        // The kernels: k = 3, 5, 7, 9, dilation, stride, branches, combine.
        new("Defaults", "namespace Demo;\n\n[Ddf.DynamicFilter]\npublic partial class Ddf3x3;\n"),
        new("Kernel5Dilation2", "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 5, Dilation = 2)]\npublic partial class Ddf5x5Dilated;\n"),
        new("Stride2", "namespace Demo;\n\n[Ddf.DynamicFilter(Stride = 2)]\npublic partial class DdfDown;\n"),
        new("AddCombine", "namespace Demo;\n\n[Ddf.DynamicFilter(Combine = Ddf.KernelCombine.Add)]\npublic partial class DdfAdd;\n"),
        new("SpatialOnly", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Spatial)]\npublic partial class DdfSpatial;\n"),
        new("ChannelOnly", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Channel)]\npublic partial class DdfChannel;\n"),
        // The module only: its kernels are those of Defaults.
        new("Heads4", "namespace Demo;\n\n[Ddf.DynamicFilter(Heads = 4, SqueezeRatio = 0.3)]\npublic partial class DdfHeads;\n", KernelsAs: "Defaults"),
        new("BatchNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.Batch)]\npublic partial class DdfBatch;\n", KernelsAs: "Defaults"),
        new("SigmoidNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.Sigmoid)]\npublic partial class DdfSigmoid;\n", KernelsAs: "Defaults"),
        new("NoNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.None)]\npublic partial class DdfRaw;\n", KernelsAs: "Defaults"),
        // Declaration shapes. The nested class is also the k = 7 kernel case, the global namespace the stride 3 + Add one;
        // the block namespace is Defaults' spec (module and autograd snapshotted for its namespace; the Onnx file is Defaults' too).
        new("NestedClass", "namespace Demo;\n\npublic static partial class Layers\n{\n    [Ddf.DynamicFilter(KernelSize = 7)]\n    internal partial class Ddf7x7;\n}\n"),
        new("BlockNamespace", "namespace Demo.Blocks\n{\n    [Ddf.DynamicFilter]\n    public partial class BlockDdf\n    {\n    }\n}\n", KernelsAs: "Defaults", OnnxAs: "Defaults"),
        new("GlobalNamespace", "[Ddf.DynamicFilter(KernelSize = 3, Stride = 3, Combine = Ddf.KernelCombine.Add)]\npublic partial class GlobalDdf;\n"),
        // The layer that tests/Ddf.Package.Tests declares in a consumer of the packed Ddf.Compiler package.
        new("ChannelOnlyStride2", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Channel, Stride = 2, Combine = Ddf.KernelCombine.Add)]\npublic partial class DdfChannelDown;\n"),
        new("Kernel9", "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 9)]\npublic partial class Ddf9x9;\n"),
        // The k = 5 kernel case; tests/Ddf.Package.Tests compares its five files with those a packed consumer writes.
        new("PackageConsumer", "[Ddf.DynamicFilter(KernelSize = 5)]\npartial class Layer;\n"),
        // DDF-Up: a layer of S*S branch pairs gets the kernel files of a DDF layer with its kernel spec (stride 1).
        new("UpSelf2", "namespace Demo;\n\n[Ddf.DynamicFilterUp]\npublic partial class Up2;\n", KernelsAs: "Defaults"),
        new("UpSelf4", "namespace Demo;\n\n[Ddf.DynamicFilterUp(ScaleFactor = 4, KernelSize = 5, Heads = 2)]\npublic partial class Up4;\n", KernelsAs: "PackageConsumer"),
        new("UpJoint2", "namespace Demo;\n\n[Ddf.DynamicFilterUp(Guidance = Ddf.UpsampleGuidance.Joint)]\npublic partial class JointUp2;\n", KernelsAs: "Defaults"),
        new("UpJoint4", "namespace Demo;\n\n[Ddf.DynamicFilterUp(ScaleFactor = 4, Guidance = Ddf.UpsampleGuidance.Joint, Normalization = Ddf.FilterNormalization.None)]\npublic partial class JointUp4;\n", KernelsAs: "Defaults"),
    ];

    /// <summary>Every case as (name, source); PtxTests compiles their GPU kernels.</summary>
    public static TheoryData<string, string> Specs
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var c in Cases)
                data.Add(c.Name, c.Source);
            return data;
        }
    }

    /// <summary>The generated files of the cases compared against, one generator run per case.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<(string HintName, string Text)[]>> Generated = new(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generated_files_match_their_snapshots(string name, string source)
    {
        var compilation = GeneratorHarness.Compile(true, source);
        var (driver, result, output) = GeneratorHarness.Run(compilation);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assert.Equal(5, result.GeneratedTrees.Length);
        var files = GeneratorRun.Files(result).ToArray();
        var (snapshotted, compared) = Partition(Find(name), files);
        SnapshotAssert.Match(snapshotted, $"{nameof(SnapshotTests)}.{name}");
        var module = files.Single(f => LayerFileAssert.Kind(f.HintName) == "Module.g.cs");
        foreach (var (file, like) in compared)
            LayerFileAssert.Equal(GeneratedFile(like, LayerFileAssert.Kind(file.HintName)), file, module);
        CacheAssert.RerunIsCached(compilation, driver, result);
    }

    [Fact]
    public void Each_file_that_is_not_snapshotted_is_compared_with_a_case_that_snapshots_it()
    {
        foreach (var c in Cases)
        {
            foreach (var like in new[] { c.KernelsAs, c.OnnxAs }.OfType<string>())
                Assert.True(Cases.Any(o => o.Name == like), $"{c.Name}: no case {like}");
            if (c.KernelsAs is { } kernels)
                Assert.Null(Find(kernels).KernelsAs);
            if (c.OnnxAs is { } onnx)
                Assert.Null(Find(onnx).OnnxAs);
        }
        Assert.Equal(Cases.Count, Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Without_TorchSharp_only_the_spec_and_kernels_are_generated()
    {
        const string source = "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 5, Stride = 2)]\npublic partial class KernelsOnly;\n";
        var compilation = GeneratorHarness.CompileWithoutTorchSharp(source);
        Assert.Null(compilation.GetTypeByMetadataName("TorchSharp.torch"));
        var (driver, result, output) = GeneratorHarness.Run(compilation);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assert.Equal(["Demo.KernelsOnly.Kernels.Cpu.g.cs", "Demo.KernelsOnly.Kernels.Gpu.g.cs", "Demo.KernelsOnly.Spec.g.cs"],
            result.Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        SnapshotAssert.Match(result, $"{nameof(SnapshotTests)}.KernelsOnly");
        CacheAssert.RerunIsCached(compilation, driver, result);
    }

    private static Case Find(string name) => Cases.Single(c => c.Name == name);

    /// <summary>A case's files split into those it snapshots and those it compares, each with the case it compares to.</summary>
    private static (List<(string HintName, string Text)> Snapshotted, List<((string HintName, string Text) File, string Like)> Compared) Partition(
        Case c, IEnumerable<(string HintName, string Text)> files)
    {
        var snapshotted = new List<(string HintName, string Text)>();
        var compared = new List<((string HintName, string Text) File, string Like)>();
        foreach (var file in files)
        {
            if (c.SameAs(LayerFileAssert.Kind(file.HintName)) is { } like)
                compared.Add((file, like));
            else
                snapshotted.Add(file);
        }
        return (snapshotted, compared);
    }

    /// <summary>The file of a kind that another case generates.</summary>
    private static (string HintName, string Text) GeneratedFile(string name, string kind) =>
        Generated.GetOrAdd(name, n => new Lazy<(string HintName, string Text)[]>(() =>
                GeneratorRun.Files(GeneratorHarness.Run(GeneratorHarness.Compile(true, Find(n).Source)).Result).ToArray()))
            .Value.Single(f => LayerFileAssert.Kind(f.HintName) == kind);
}
