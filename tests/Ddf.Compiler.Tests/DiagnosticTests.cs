using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>Each invalid spec gives exactly its DDF error, on the offending argument or the class name, and no code.</summary>
public class DiagnosticTests
{
    private static void AssertDiagnostics(string source, params string[] expected)
    {
        var (_, result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(true, source));

        Assert.Equal(expected.Order(System.StringComparer.Ordinal), GeneratorHarness.Describe(result.Diagnostics));
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Empty(result.GeneratedTrees);
        Assert.All(result.Diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.GetMessage())));
    }

    [Theory]
    [InlineData("KernelSize = 4")]
    [InlineData("KernelSize = 1")]
    [InlineData("KernelSize = 33")]
    [InlineData("KernelSize = -3")]
    public void Kernel_size_must_be_odd_from_3_to_31(string argument) =>
        AssertDiagnostics($"[Ddf.DynamicFilter({argument})]\npartial class L;", "DDF0001 (1,20)");

    [Fact]
    public void Dilation_below_one() => AssertDiagnostics("[Ddf.DynamicFilter(KernelSize = 5, Dilation = 0)]\npartial class L;", "DDF0002 (1,36)");

    [Fact]
    public void Stride_below_one() => AssertDiagnostics("[Ddf.DynamicFilter(Stride = -1)]\npartial class L;", "DDF0003 (1,20)");

    [Fact]
    public void Heads_below_one() => AssertDiagnostics("[Ddf.DynamicFilter(Heads = 0)]\npartial class L;", "DDF0004 (1,20)");

    [Theory]
    [InlineData("0.0")]
    [InlineData("-0.2")]
    [InlineData("1.5")]
    [InlineData("double.NaN")]
    public void Squeeze_ratio_outside_zero_to_one(string value) =>
        AssertDiagnostics($"[Ddf.DynamicFilter(SqueezeRatio = {value})]\npartial class L;", "DDF0005 (1,20)");

    [Fact]
    public void Class_not_partial() => AssertDiagnostics("[Ddf.DynamicFilter]\nclass Plain;", "DDF0006 (2,7)");

    [Fact]
    public void Containing_type_not_partial() =>
        AssertDiagnostics("class Outer\n{\n    [Ddf.DynamicFilter]\n    partial class Inner;\n}", "DDF0007 (4,19)");

    [Fact]
    public void Generic_class() => AssertDiagnostics("[Ddf.DynamicFilter]\npartial class L<T>;", "DDF0008 (2,15)");

    [Fact]
    public void Class_nested_in_a_generic_type() =>
        AssertDiagnostics("partial class Outer<T>\n{\n    [Ddf.DynamicFilter]\n    partial class Inner;\n}", "DDF0008 (4,19)");

    [Fact]
    public void Class_with_a_base_class() =>
        AssertDiagnostics("class Base { }\n[Ddf.DynamicFilter]\npartial class L : Base;", "DDF0009 (3,15)");

    [Fact]
    public void Static_class() => AssertDiagnostics("[Ddf.DynamicFilter]\nstatic partial class L { }", "DDF0010 (2,22)");

    [Fact]
    public void Abstract_class() => AssertDiagnostics("[Ddf.DynamicFilter]\nabstract partial class L;", "DDF0010 (2,24)");

    [Fact]
    public void Both_attributes() => AssertDiagnostics("[Ddf.DynamicFilter, Ddf.DynamicFilterUp]\npartial class L;", "DDF0011 (2,15)");

    [Theory]
    [InlineData("ScaleFactor = 1")]
    [InlineData("ScaleFactor = 9")]
    public void Up_scale_factor_from_2_to_8(string argument) =>
        AssertDiagnostics($"[Ddf.DynamicFilterUp({argument})]\npartial class U;", "DDF0014 (1,22)");

    [Fact]
    public void Up_layers_get_the_ddf_checks_too() =>
        AssertDiagnostics("[Ddf.DynamicFilterUp(KernelSize = 2, Heads = 0)]\nclass U;", "DDF0001 (1,22)", "DDF0004 (1,38)", "DDF0006 (2,7)");

    [Fact]
    public void Up_guidance_that_names_no_member() =>
        AssertDiagnostics("[Ddf.DynamicFilterUp(Guidance = (Ddf.UpsampleGuidance)2)]\npartial class U;", "DDF0012 (1,22)");

    [Fact]
    public void Enum_value_that_names_no_member() =>
        AssertDiagnostics("[Ddf.DynamicFilter(Combine = (Ddf.KernelCombine)7)]\npartial class L;", "DDF0012 (1,20)");

    [Fact]
    public void Project_without_unsafe_code()
    {
        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(false, "[Ddf.DynamicFilter]\npartial class L;"));
        Assert.Equal(["DDF0013 (2,15)"], GeneratorHarness.Describe(result.Diagnostics));
        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void Several_problems_are_all_reported_once()
    {
        AssertDiagnostics("[Ddf.DynamicFilter(KernelSize = 2, Stride = 0, SqueezeRatio = 2)]\nclass L;",
            "DDF0001 (1,20)", "DDF0003 (1,36)", "DDF0005 (1,48)", "DDF0006 (2,7)");
    }

    [Fact]
    public void A_diagnostic_can_be_suppressed_with_pragma()
    {
        var source = "#pragma warning disable DDF0001\n[Ddf.DynamicFilter(KernelSize = 4)]\npartial class L;";
        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(true, source));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.True(diagnostic.Location.IsInSource);
    }

    [Theory]
    [InlineData("[Ddf.DynamicFilter]\npublic partial class")]
    [InlineData("namespace =Broken;\n[Ddf.DynamicFilter]\npublic partial class L { }")]
    public void A_declaration_missing_its_name_is_left_to_the_compiler(string source)
    {
        // Found by the fuzz test: generating for a nameless class or namespace emitted code that did not compile.
        var (_, result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(true, source));
        Assert.Empty(result.GeneratedTrees);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(GeneratorHarness.Errors(output));
    }

    [Fact]
    public void Constant_expressions_and_constants_from_other_classes_are_evaluated()
    {
        var source = "static class Sizes { public const int Big = 2 + 3; }\n[Ddf.DynamicFilter(KernelSize = Sizes.Big, Dilation = 1 + 1)]\npartial class L;";
        var (_, result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(true, source));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assert.Contains(result.GeneratedTrees, t => t.ToString().Contains("public const int KernelSize = 5;"));
    }
}
