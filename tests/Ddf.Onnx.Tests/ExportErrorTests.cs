using System;
using System.IO;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Onnx.Tests;

/// <summary>Modules without an export and bad arguments are errors, and nothing is written.</summary>
public class ExportErrorTests
{
    private sealed class Opaque : nn.Module<Tensor, Tensor>
    {
        public Opaque() : base(nameof(Opaque)) { }

        public override Tensor forward(Tensor input) => input * 2;
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"ddf-onnx-{Guid.NewGuid():N}.onnx");

    [Fact]
    public void A_module_without_export_names_its_type_and_path_and_nothing_is_written()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(nn.ReLU(), new Opaque()));
        string file = TempFile();
        var error = Assert.Throws<NotSupportedException>(() => onnx.export(model, [randn(1, 3, 8, 8)], file));
        Assert.Contains("Opaque", error.Message);
        Assert.Contains("'1.1'", error.Message);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_layer_option_without_export_is_an_error()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.AdaptiveAvgPool2d(2));
        var error = Assert.Throws<NotSupportedException>(() => onnx.export(model, [randn(1, 3, 8, 8)], TempFile()));
        Assert.Contains("AdaptiveAvgPool2d", error.Message);
        Assert.Contains("'0'", error.Message);
    }

    [Fact]
    public void Wrong_argument_count_names_args()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => onnx.export(new Defaults(8), [randn(1, 8, 8, 8), randn(1, 8, 8, 8)], TempFile()));
        Assert.Equal("args", error.ParamName);
        var joint = Assert.Throws<ArgumentException>(() => onnx.export(new UpJoint2(8, 6), [randn(1, 8, 8, 8)], TempFile()));
        Assert.Equal("args", joint.ParamName);
        Assert.Contains("guidance", joint.Message);
    }

    [Fact]
    public void Wrong_shape_or_dtype_names_args()
    {
        using var scope = NewDisposeScope();
        string file = TempFile();
        var shape = Assert.Throws<ArgumentException>(() => onnx.export(new Defaults(8), [randn(1, 5, 8, 8)], file));
        Assert.Equal("args", shape.ParamName);
        var dtype = Assert.Throws<ArgumentException>(() => onnx.export(new Defaults(8), [randn(1, 8, 8, 8, dtype: ScalarType.Float64)], file));
        Assert.Equal("args", dtype.ParamName);
        Assert.Contains("args[0]", dtype.Message);
        var missing = Assert.Throws<ArgumentException>(() => onnx.export(new Defaults(8), [null!], file));
        Assert.Equal("args", missing.ParamName);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Bad_file_model_and_opset_are_errors()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("f", Assert.Throws<ArgumentException>(() => onnx.export(new Defaults(8), [randn(1, 8, 8, 8)], " ")).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => onnx.export(null!, [randn(1, 8, 8, 8)], TempFile())).ParamName);
        Assert.Equal("args", Assert.Throws<ArgumentNullException>(() => onnx.export(new Defaults(8), null!, TempFile())).ParamName);
        Assert.Equal("opset_version", Assert.Throws<ArgumentOutOfRangeException>(() => onnx.export(new Defaults(8), [randn(1, 8, 8, 8)], TempFile(), 9)).ParamName);
    }

    [Fact]
    public void Export_leaves_the_model_unchanged()
    {
        using var scope = NewDisposeScope();
        var model = OrtHarness.Prepare(models.ddf_resnet18(num_classes: 4), 2);
        var before = model.state_dict();
        var copies = new System.Collections.Generic.Dictionary<string, Tensor>();
        foreach (var (key, value) in before)
            copies[key] = value.clone();
        onnx.export_bytes(model, [randn(2, 3, 32, 32)]);
        Assert.True(model.training);
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.eq(copies[key]).all().item<bool>(), key);
    }
}
