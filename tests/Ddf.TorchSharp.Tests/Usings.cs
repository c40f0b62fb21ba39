global using TorchSharp;
global using Ddf.TestSupport;
