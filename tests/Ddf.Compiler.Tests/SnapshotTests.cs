using System;
using System.Linq;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// The generated files for a representative set of specs. Each run also proves that the output
/// compiles and that the generator's cache holds.
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string, string> Specs => new()
    {
        { "Defaults", "namespace Demo;\n\n[Ddf.DynamicFilter]\npublic partial class Ddf3x3;\n" },
        { "Kernel5Dilation2", "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 5, Dilation = 2)]\npublic partial class Ddf5x5Dilated;\n" },
        { "Stride2", "namespace Demo;\n\n[Ddf.DynamicFilter(Stride = 2)]\npublic partial class DdfDown;\n" },
        { "AddCombine", "namespace Demo;\n\n[Ddf.DynamicFilter(Combine = Ddf.KernelCombine.Add)]\npublic partial class DdfAdd;\n" },
        { "SpatialOnly", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Spatial)]\npublic partial class DdfSpatial;\n" },
        { "ChannelOnly", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Channel)]\npublic partial class DdfChannel;\n" },
        { "Heads4", "namespace Demo;\n\n[Ddf.DynamicFilter(Heads = 4, SqueezeRatio = 0.3)]\npublic partial class DdfHeads;\n" },
        { "BatchNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.Batch)]\npublic partial class DdfBatch;\n" },
        { "SigmoidNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.Sigmoid)]\npublic partial class DdfSigmoid;\n" },
        { "NoNormalisation", "namespace Demo;\n\n[Ddf.DynamicFilter(Normalization = Ddf.FilterNormalization.None)]\npublic partial class DdfRaw;\n" },
        { "NestedClass", "namespace Demo;\n\npublic static partial class Layers\n{\n    [Ddf.DynamicFilter(KernelSize = 7)]\n    internal partial class Ddf7x7;\n}\n" },
        { "BlockNamespace", "namespace Demo.Blocks\n{\n    [Ddf.DynamicFilter]\n    public partial class BlockDdf\n    {\n    }\n}\n" },
        { "GlobalNamespace", "[Ddf.DynamicFilter(KernelSize = 3, Stride = 3, Combine = Ddf.KernelCombine.Add)]\npublic partial class GlobalDdf;\n" },
        // The layer that tests/Ddf.Package.Tests declares in a consumer of the packed Ddf.Compiler package.
        { "ChannelOnlyStride2", "namespace Demo;\n\n[Ddf.DynamicFilter(Branches = Ddf.FilterBranches.Channel, Stride = 2, Combine = Ddf.KernelCombine.Add)]\npublic partial class DdfChannelDown;\n" },
        { "Kernel9", "namespace Demo;\n\n[Ddf.DynamicFilter(KernelSize = 9)]\npublic partial class Ddf9x9;\n" },
        { "PackageConsumer", "[Ddf.DynamicFilter(KernelSize = 5)]\npartial class Layer;\n" },
        { "UpSelf2", "namespace Demo;\n\n[Ddf.DynamicFilterUp]\npublic partial class Up2;\n" },
        { "UpSelf4", "namespace Demo;\n\n[Ddf.DynamicFilterUp(ScaleFactor = 4, KernelSize = 5, Heads = 2)]\npublic partial class Up4;\n" },
        { "UpJoint2", "namespace Demo;\n\n[Ddf.DynamicFilterUp(Guidance = Ddf.UpsampleGuidance.Joint)]\npublic partial class JointUp2;\n" },
        { "UpJoint4", "namespace Demo;\n\n[Ddf.DynamicFilterUp(ScaleFactor = 4, Guidance = Ddf.UpsampleGuidance.Joint, Normalization = Ddf.FilterNormalization.None)]\npublic partial class JointUp4;\n" },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generated_files_match_their_snapshots(string name, string source)
    {
        var compilation = GeneratorHarness.Compile(true, source);
        var (driver, result, output) = GeneratorHarness.Run(compilation);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assert.Equal(5, result.GeneratedTrees.Length);
        SnapshotAssert.Match(result, $"{nameof(SnapshotTests)}.{name}");
        CacheAssert.RerunIsCached(compilation, driver, result);
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
}
