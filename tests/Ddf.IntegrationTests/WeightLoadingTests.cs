using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>
/// <see cref="weights"/> loads PyTorch and TorchSharp state_dicts into generated layers strictly: a missing, unexpected
/// or wrongly shaped key is an error naming the key, the shape it got and the shape it needs, and a refused load
/// leaves every parameter and buffer as it was.
/// </summary>
public class WeightLoadingTests
{
    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    /// <summary>Copies of the module's state, to show that a refused load changed nothing.</summary>
    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone());

    private static void AssertUnchanged(Dictionary<string, Tensor> before, nn.Module module)
    {
        var after = module.state_dict();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, tensor) in before)
            Assert.True(Same(tensor, after[key]), $"{key} changed although the load was refused");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static MemoryStream PyTorchFile(Dictionary<string, Tensor> state)
    {
        var stream = new MemoryStream();
        PyTorchPickler.PickleStateDict(stream, state, leaveOpen: true);
        stream.Position = 0;
        return stream;
    }

    private static MemoryStream TorchSharpFile(nn.Module module)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            module.save(writer);
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void Reference_weights_for_8_channels_are_refused_by_a_10_channel_layer_with_every_key_and_shape()
    {
        var layer = new DefaultDdf(10);
        var before = Snapshot(layer);

        var error = Assert.Throws<InvalidDataException>(() => weights.load(layer, Fixture("ddfpack_k3_mul.pt")));

        Assert.Contains("ddfpack_k3_mul.pt", error.Message);
        Assert.Contains("nothing was loaded", error.Message);
        Assert.Contains("wrong shape for 'spatial_branch.0.weight': got [9, 8, 1, 1], the module needs [9, 10, 1, 1]", error.Message);
        Assert.Contains("wrong shape for 'channel_branch.1.weight': got [1, 8, 1, 1], the module needs [2, 10, 1, 1]", error.Message);
        // A shape copy_ would broadcast into the parameter is refused as well.
        Assert.Contains("wrong shape for 'channel_branch.1.bias': got [1], the module needs [2]", error.Message);
        Assert.Contains("wrong shape for 'channel_branch.4.std': got [72], the module needs [90]", error.Message);
        Assert.DoesNotContain("spatial_branch.0.bias", error.Message);
        AssertUnchanged(before, layer);
    }

    [Fact]
    public void A_missing_key_is_refused_with_the_shape_the_layer_needs()
    {
        var state = weights.read(Fixture("ddfpack_k3_mul.pt"));
        state.Remove("channel_branch.4.std");
        var layer = new DefaultDdf(8);
        var before = Snapshot(layer);

        using var file = PyTorchFile(state);
        var error = Assert.Throws<InvalidDataException>(() => weights.load(layer, file));

        Assert.Contains("missing key 'channel_branch.4.std': the module needs shape [72]", error.Message);
        Assert.Single(error.Message.Split('\n'), line => line.StartsWith("  "));
        AssertUnchanged(before, layer);
    }

    [Fact]
    public void An_unexpected_key_is_refused_with_its_shape()
    {
        var state = weights.read(Fixture("ddfpack_k3_mul.pt"));
        state.Add("spatial_branch.2.weight", ones(3, 4));
        var layer = new DefaultDdf(8);
        var before = Snapshot(layer);

        using var file = PyTorchFile(state);
        var error = Assert.Throws<InvalidDataException>(() => weights.load(layer, file));

        Assert.Contains("unexpected key 'spatial_branch.2.weight' (shape [3, 4]): the module has no parameter or buffer of that name", error.Message);
        AssertUnchanged(before, layer);
    }

    [Fact]
    public void An_in_memory_state_dict_that_does_not_fit_is_an_ArgumentException_on_state_dict()
    {
        var state = weights.read(Fixture("ddfpack_k3_mul.pt"));
        state["spatial_branch.0.bias"] = zeros(10);
        var layer = new DefaultDdf(8);
        var before = Snapshot(layer);

        var error = Assert.Throws<ArgumentException>(() => weights.load_state_dict(layer, state));

        Assert.Equal("state_dict", error.ParamName);
        Assert.Contains("wrong shape for 'spatial_branch.0.bias': got [10], the module needs [9]", error.Message);
        AssertUnchanged(before, layer);
    }

    [Fact]
    public void TorchSharp_saved_weights_load_strictly_and_a_mismatch_is_refused()
    {
        manual_seed(3);
        var source = new InteropK5AddStrided(10);
        var target = new InteropK5AddStrided(10);
        using (var file = TorchSharpFile(source))
            weights.load(target, file);
        foreach (var (key, tensor) in source.state_dict())
            Assert.True(Same(tensor, target.state_dict()[key]), key);

        var narrower = new InteropK5AddStrided(12);
        var before = Snapshot(narrower);
        using (var file = TorchSharpFile(source))
        {
            var error = Assert.Throws<InvalidDataException>(() => weights.load(narrower, file));
            Assert.Contains("wrong shape for 'spatial_branch.0.weight': got [25, 10, 1, 1], the module needs [25, 12, 1, 1]", error.Message);
        }
        AssertUnchanged(before, narrower);
    }

    [Fact]
    public void The_extension_loads_a_file_TorchSharp_saved_into_the_module_it_is_called_on()
    {
        manual_seed(4);
        var source = new SelfUp2(6);
        string path = Path.GetTempFileName();
        try
        {
            source.save(path);
            var target = new SelfUp2(6).load_weights(path);
            foreach (var (key, tensor) in source.state_dict())
                Assert.True(Same(tensor, target.state_dict()[key]), key);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Files_that_hold_no_state_dict_are_InvalidDataException_and_absent_files_FileNotFoundException()
    {
        var layer = new DefaultDdf(8);
        var before = Snapshot(layer);
        using (var garbage = new MemoryStream("not a state_dict at all"u8.ToArray()))
            Assert.Throws<InvalidDataException>(() => weights.load(layer, garbage));
        using (var truncated = TorchSharpFile(layer))
        {
            truncated.SetLength(truncated.Length - 5);
            var error = Assert.Throws<InvalidDataException>(() => weights.load(layer, truncated));
            Assert.Contains("neither a PyTorch state_dict", error.Message);
        }
        // The input/output fixture holds the input, guidance and output tensors, not this layer's keys.
        var io = Assert.Throws<InvalidDataException>(() => weights.load(layer, Fixture("ddfpack_k3_mul.io.pt")));
        Assert.Contains("unexpected key 'input'", io.Message);
        Assert.Throws<FileNotFoundException>(() => weights.load(layer, Fixture("no_such_file.pt")));
        AssertUnchanged(before, layer);
    }
}
