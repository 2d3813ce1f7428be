"""Random-weight model directories: every studio engine, real code path, noise out.

`build_tiny_models` builds small ones for the tests and for trying the studio tier on a CPU;
`build_full_models` builds the real models' configurations for the GPU benchmark. The tiny ones
are built from small configs the way diffusers' and transformers' own test suites
build theirs (`get_dummy_components`, `*ModelTester.get_config`), tokenizers included, and
saved with `save_pretrained` in the layout the production loader reads (see `loader.py`).
Nothing comes from a hub. The tiny directory is ~10 MB and builds in seconds on a CPU.

    python -m pipelines.engines.random_weights OUTDIR [--languages en,de]

Tests build it once per session; `make demo-studio` and the benchmarks use it too.
"""

from __future__ import annotations

import argparse
import json
import string
from pathlib import Path

from pipelines.engines.loader import ENGINES, OPTIONS_FILE, go_offline

go_offline()

# A little text to train the byte-level BPE tokenizers on: they still encode any text.
_CORPUS = [
    "INT. LIGHTHOUSE - NIGHT. The keeper climbs the stairs with a lantern.",
    "A slow push-in on her face, warm light, rain against the window.",
    '{"mood": "calm", "shots": [{"shot": 1, "prompt": "a lighthouse at dusk", "camera": "wide"}]}',
    "cinematic film still, golden hour, wide shot, soft focus, storm clouds over the sea",
    "gentle piano and strings, hopeful, slow tempo; tense drums, mysterious ambient pads",
] * 4


def build_tiny_models(out_dir: Path, engines=ENGINES, languages=("en",)) -> Path:
    """Write a tiny model for each engine in `engines` under `out_dir`; return `out_dir`."""
    import torch

    out_dir = Path(out_dir)
    builders = {
        "llm": _llm,
        "sdxl": _sdxl,
        "svd": _svd,
        "tts": _tts,
        "musicgen": _musicgen,
        "lipsync": _lipsync,
        "animatediff": _animatediff,
    }
    for engine in engines:
        target = out_dir / engine
        if engine == "tts":
            for language in languages:
                _seed(torch)  # each language's voice the same whichever others are built
                builders[engine](target / language)
        else:
            _seed(torch)
            builders[engine](target)
    return out_dir


# A Whisper at test size, for the recogniser (`asr/`) and the lip-sync model's audio encoder:
# 80 mel bins as the real feature extractor gives, one 16-wide layer each way.
TINY_WHISPER = dict(
    num_mel_bins=80,
    d_model=16,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
)


def build_tiny_asr(models_dir: Path) -> Path:
    """A tiny random Whisper in `models_dir/asr/` (the speech recogniser, not one of `ENGINES`:
    only a recording without a script needs it): a byte-level vocabulary, Whisper's special
    tokens, a 1-layer 16-wide encoder and decoder. It hears noise, as a random model does."""
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    path = Path(models_dir) / "asr"
    _seed(torch)
    vocab = {c: i for i, c in enumerate(bytes_to_unicode().values())}
    vocab["<|endoftext|>"] = len(vocab)
    specials = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    tokenizer = WhisperTokenizer(
        vocab=vocab, merges=[], additional_special_tokens=specials, pad_token="<|endoftext|>"
    )
    end, start, english, transcribe, plain = tokenizer.convert_tokens_to_ids(
        ["<|endoftext|>", *specials]
    )
    model = WhisperForConditionalGeneration(
        WhisperConfig(
            **TINY_WHISPER,
            vocab_size=len(tokenizer),
            max_target_positions=64,
            pad_token_id=end,
            bos_token_id=end,
            eos_token_id=end,
            decoder_start_token_id=start,
        )
    )
    model.generation_config = GenerationConfig(
        decoder_start_token_id=start,
        bos_token_id=end,
        eos_token_id=end,
        pad_token_id=end,
        no_timestamps_token_id=plain,
        lang_to_id={"<|en|>": english},
        task_to_id={"transcribe": transcribe},
        is_multilingual=True,
        max_length=64,
    )
    model.save_pretrained(path)
    WhisperProcessor(WhisperFeatureExtractor(feature_size=80), tokenizer).save_pretrained(path)
    _options(path, max_new_tokens=24)
    return path


def _seed(torch) -> None:
    """Every random source a model's construction may draw from, reset: the same directory,
    byte for byte, on every build, so tests of the tiny models cannot flake."""
    import random

    import numpy as np

    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)


def _options(path: Path, **options) -> None:
    """Fast defaults for the tiny model (the same file can tune a real model's defaults)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / OPTIONS_FILE).write_text(json.dumps(options, indent=2) + "\n")


def _bpe_tokenizer(specials: dict[str, str], vocab_size: int = 400):
    """A byte-level BPE tokenizer trained here on `_CORPUS`: no hub, yet it encodes any text."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(_CORPUS, vocab_size=vocab_size, special_tokens=list(specials.values()))
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, **specials)


def _llm(path: Path) -> None:
    """A 2-layer Llama (transformers' `LlamaModelTester` sizes) with a BPE tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = _bpe_tokenizer({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"})
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    _options(path, max_new_tokens=24, shots_per_request=8)


def _clip_tokenizer():
    """A character-level CLIP BPE vocabulary (transformers' CLIP tokenizer test recipe)."""
    from transformers import CLIPTokenizer

    chars = string.ascii_lowercase + string.digits + string.punctuation
    tokens = ["<|startoftext|>", "<|endoftext|>"] + list(chars) + [c + "</w>" for c in chars]
    tokenizer = CLIPTokenizer(vocab={t: i for i, t in enumerate(tokens)}, merges=[])
    tokenizer.model_max_length = 77
    return tokenizer


def _sdxl(path: Path) -> None:
    """diffusers' `StableDiffusionXLPipelineFastTests.get_dummy_components`, tokenizers offline."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    unet = UNet2DConditionModel(
        block_out_channels=(2, 4),
        layers_per_block=2,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=80,  # 6 * 8 + 32
        cross_attention_dim=64,
        norm_num_groups=1,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        steps_offset=1,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
    )
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        sample_size=128,
    )
    tokenizer = _clip_tokenizer()
    text_config = CLIPTextConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        hidden_size=32,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=5,
        vocab_size=len(tokenizer),
        hidden_act="gelu",
        projection_dim=32,
    )
    pipe = StableDiffusionXLPipeline(
        unet=unet,
        scheduler=scheduler,
        vae=vae,
        text_encoder=CLIPTextModel(text_config),
        tokenizer=tokenizer,
        text_encoder_2=CLIPTextModelWithProjection(text_config),
        tokenizer_2=tokenizer,
    )
    pipe.save_pretrained(path)
    _options(path, steps=2, guidance=5.0)
    _controlnet(unet, Path(path).parent / "controlnet" / "pose")
    _ip_adapter(unet, Path(path) / "ip_adapter")


def _ip_adapter(unet, path: Path) -> None:
    """An IP-Adapter for the tiny UNet in h94/IP-Adapter's layout (`ip-adapter_sdxl.safetensors`
    beside `image_encoder/`), keyed as diffusers' `load_ip_adapter` reads it: the image
    projection (`image_proj.*`) and a key/value pair per cross-attention layer (`ip_adapter.*`,
    numbered 1, 3, 5... in the UNet's processor order, as the original checkpoints are)."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    from pipelines.engines.ip_adapter import IMAGE_ENCODER_DIR

    embed, cross, tokens = 32, unet.config.cross_attention_dim, 4
    CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=embed,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=224,
            intermediate_size=37,
            patch_size=32,
        )
    ).save_pretrained(path / IMAGE_ENCODER_DIR)
    weights = {
        "image_proj.proj.weight": torch.randn(cross * tokens, embed) * 0.5,
        "image_proj.proj.bias": torch.zeros(cross * tokens),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    channels = unet.config.block_out_channels
    key = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        block = name.split(".")[0]
        if block == "mid_block":
            hidden = channels[-1]
        elif block == "up_blocks":
            hidden = list(reversed(channels))[int(name.split(".")[1])]
        else:
            hidden = channels[int(name.split(".")[1])]
        for kv in ("to_k_ip", "to_v_ip"):
            weights[f"ip_adapter.{key}.{kv}.weight"] = torch.randn(hidden, cross) * 0.5
        key += 2
    save_file(weights, path / "ip-adapter_sdxl.safetensors")


def _controlnet(unet, path: Path) -> None:
    """A ControlNet for the tiny UNet (MODELS/controlnet/<kind>/), as diffusers' SDXL ControlNet
    fast tests build one; random weights, so it changes the picture."""
    import torch
    from diffusers import ControlNetModel

    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(16, 32))
    with torch.no_grad():  # from_unet zero-initialises the outputs: make them count
        for module in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block]:
            module.weight.normal_(0, 0.5)
    controlnet.save_pretrained(path)


def _svd(path: Path) -> None:
    """diffusers' `StableVideoDiffusionPipelineFastTests.get_dummy_components`.

    The CLIP vision tower sees 224-px images (the pipeline resizes a PIL still to 224 before
    encoding it), in 32-px patches so that it stays small.
    """
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=16,  # diffusers' test uses 32; 16 keeps 25-frame clips quick on a CPU
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32,
        num_attention_heads=8,
        projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        trained_betas=None,
        use_karras_sigmas=True,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        latent_channels=4,
    )
    vision = CLIPVisionConfig(
        hidden_size=32,
        projection_dim=32,
        num_hidden_layers=5,
        num_attention_heads=4,
        image_size=224,
        intermediate_size=37,
        patch_size=32,
    )
    pipe = StableVideoDiffusionPipeline(
        unet=unet,
        image_encoder=CLIPVisionModelWithProjection(vision),
        scheduler=scheduler,
        vae=vae,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    )
    pipe.save_pretrained(path)
    _options(path, steps=2, decode_chunk_size=7)


def _animatediff(path: Path) -> None:
    """diffusers' `AnimateDiffPipelineFastTests.get_dummy_components`, saved as production holds
    it: a MotionAdapter in `motion_adapter/` and the SD 1.5-style base it matches in `base/`."""
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        MotionAdapter,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from pipelines.engines.animatediff import ADAPTER_DIR, BASE_DIR, IP_ADAPTER_DIR

    channels = (32, 64)
    unet = UNet2DConditionModel(
        block_out_channels=channels,
        layers_per_block=2,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=2,
    )
    # AnimateDiff's own scheduler settings (its model card): linear betas, no clipping.
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="linear",
        clip_sample=False,
        timestep_spacing="linspace",
        steps_offset=1,
    )
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=2,
    )
    tokenizer = _clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=5,
            vocab_size=len(tokenizer),
        )
    )
    StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    ).save_pretrained(path / BASE_DIR)
    MotionAdapter(
        block_out_channels=channels,
        motion_layers_per_block=2,
        motion_norm_num_groups=2,
        motion_num_attention_heads=4,
    ).save_pretrained(path / ADAPTER_DIR)
    _ip_adapter(unet, path / IP_ADAPTER_DIR)
    _options(path, steps=2, guidance=5.0, decode_chunk_size=8)


def _tts(path: Path) -> None:
    """transformers' `VitsModelTester` sizes with an MMS-style character vocabulary."""
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    chars = ["<pad>", " ", "'", "-"] + list(string.ascii_lowercase) + ["<unk>"]
    path.mkdir(parents=True, exist_ok=True)
    vocab = path / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(chars)}))
    # MMS-TTS tokenizers: lower-case, no phonemizer, a blank (id 0) between characters.
    tokenizer = VitsTokenizer(
        vocab_file=str(vocab), add_blank=True, normalize=True, phonemize=False
    )
    config = VitsConfig(
        vocab_size=len(chars),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        ffn_dim=64,
        flow_size=16,
        spectrogram_bins=8,
        duration_predictor_num_flows=2,
        duration_predictor_filter_channels=16,
        prior_encoder_num_flows=2,
        posterior_encoder_num_wavenet_layers=2,
        upsample_initial_channel=16,
        # MMS-TTS's hop of 256 samples, and a rate that makes random durations give speech
        # about as long as a real voice's, so the film's timeline behaves as it would.
        upsample_rates=[8, 8, 4],
        upsample_kernel_sizes=[16, 16, 8],
        speaking_rate=5.0,
        resblock_kernel_sizes=[3, 7],
        resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]],
        sampling_rate=16000,
        pad_token_id=0,
    )
    VitsModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)


def _musicgen(path: Path) -> None:
    """transformers' `MusicgenTester.get_config`: T5 text encoder, EnCodec codec, 4-codebook decoder."""
    from transformers import (
        EncodecConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    tokenizer = _bpe_tokenizer({"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"})
    codebook_size = 64
    text_encoder = T5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_ff=32,
        d_kv=4,
        num_layers=2,
        num_heads=4,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    audio_encoder = EncodecConfig(
        sampling_rate=16000,  # 16000 / (8*5*4*2) = 50 codec frames a second, as the real model
        hidden_size=16,
        num_filters=4,
        num_residual_layers=1,
        num_lstm_layers=1,
        codebook_size=codebook_size,
        codebook_dim=16,
        compress=1,
        target_bandwidths=[2.2],
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=codebook_size,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=32,
        max_position_embeddings=512,
        pad_token_id=codebook_size,
        bos_token_id=codebook_size,
        num_codebooks=4,
        audio_channels=1,
    )
    config = MusicgenConfig(text_encoder=text_encoder, audio_encoder=audio_encoder, decoder=decoder)
    model = MusicgenForConditionalGeneration(config)
    model.generation_config.update(
        decoder_start_token_id=codebook_size,
        pad_token_id=codebook_size,
        do_sample=True,
        guidance_scale=3.0,
        max_length=1500,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    _options(path, max_seconds=2.0)


def _lipsync(path: Path) -> None:
    """MuseTalk's parts at test size: diffusers' UNet2DConditionModel and AutoencoderKL test
    sizes (`get_dummy_components`), a 1-layer Whisper whose 16-wide encoder feeds the UNet's
    cross-attention; 32-px faces."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    width = TINY_WHISPER["d_model"]
    UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=8,  # the masked face's latents and the reference face's
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=width,
        attention_head_dim=8,
        norm_num_groups=32,
    ).save_pretrained(path / "unet")
    AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=32,
    ).save_pretrained(path / "vae")
    WhisperModel(
        WhisperConfig(
            **TINY_WHISPER,
            vocab_size=100,
            pad_token_id=0,
            bos_token_id=1,
            eos_token_id=2,
            decoder_start_token_id=1,
            max_target_positions=32,
        )
    ).save_pretrained(path / "whisper")
    WhisperFeatureExtractor(feature_size=80).save_pretrained(path / "whisper")
    _options(path, size=32, window=2, batch=8)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--languages", default="en")
    args = parser.parse_args(argv)
    build_tiny_models(args.out_dir, args.engines.split(","), args.languages.split(","))
    print(args.out_dir)


# --- full size: the real models' configurations, for the GPU benchmark ------------------------


def _dtype():
    import torch

    from pipelines.engines.loader import torch_dtype

    return torch_dtype("cuda" if torch.cuda.is_available() else "cpu")


def _release_gpu() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def build_full_models(out: Path, engines) -> Path:
    """Random weights in the real models' configurations, written as the loaders expect them.

    Each model is constructed under `torch.device("cuda")` (parameters allocated and initialised
    on the GPU by the modules' own init, in float32), cast to the engines' dtype (bf16) and saved
    with `save_pretrained`. Tokenizers are the tiny models' offline ones: they
    encode any text into ids well inside the real vocabularies, so the compute is the real one
    (an LLM decoding 128 new tokens decodes 128 tokens: its generation config has no EOS)."""
    import torch

    out = Path(out)
    builders = {
        "llm": _full_llm,
        "sdxl": _full_sdxl,
        "svd": _full_svd,
        "tts": _full_tts,
        "musicgen": _full_musicgen,
        "lipsync": _full_lipsync,
    }
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for name in engines:
        torch.manual_seed(0)
        with torch.device(device):
            builders[name](out / name)
        _release_gpu()
        print(f"built full-size {name}", flush=True)
    return out


def _params(module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e9


def _full_sdxl(path: Path) -> None:
    """stabilityai/stable-diffusion-xl-base-1.0: UNet 2.57 B, CLIP ViT-L + OpenCLIP bigG text encoders."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    dtype = _dtype()
    unet = UNet2DConditionModel(
        sample_size=128,
        in_channels=4,
        out_channels=4,
        layers_per_block=2,
        block_out_channels=(320, 640, 1280),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(5, 10, 20),
        cross_attention_dim=2048,
        transformer_layers_per_block=(1, 2, 10),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816,
        norm_num_groups=32,
    ).to(dtype)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        layers_per_block=2,
        norm_num_groups=32,
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        sample_size=1024,
        scaling_factor=0.13025,
        force_upcast=True,
    ).to(dtype)
    tokenizer = _clip_tokenizer()
    ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    text = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=768,
            intermediate_size=3072,
            num_attention_heads=12,
            num_hidden_layers=12,
            projection_dim=768,
            hidden_act="quick_gelu",
            vocab_size=49408,
            max_position_embeddings=77,
            **ids,
        )
    ).to(dtype)
    text_2 = CLIPTextModelWithProjection(
        CLIPTextConfig(
            hidden_size=1280,
            intermediate_size=5120,
            num_attention_heads=20,
            num_hidden_layers=32,
            projection_dim=1280,
            hidden_act="gelu",
            vocab_size=49408,
            max_position_embeddings=77,
            **ids,
        )
    ).to(dtype)
    with torch.device("cpu"):  # the schedulers keep their tables on the CPU
        scheduler = EulerDiscreteScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            steps_offset=1,
            timestep_spacing="leading",
            num_train_timesteps=1000,
        )
    print(
        f"  sdxl: unet {_params(unet):.2f} B, vae {_params(vae):.3f} B, text encoders "
        f"{_params(text):.3f} + {_params(text_2):.3f} B parameters"
    )
    StableDiffusionXLPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text,
        tokenizer=tokenizer,
        text_encoder_2=text_2,
        tokenizer_2=tokenizer,
        scheduler=scheduler,
    ).save_pretrained(path)


def _full_svd(path: Path) -> None:
    """stabilityai/stable-video-diffusion-img2vid-xt: spatio-temporal UNet 1.52 B, CLIP ViT-H/14 image encoder."""
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    dtype = _dtype()
    unet = UNetSpatioTemporalConditionModel(
        sample_size=96,
        in_channels=8,
        out_channels=4,
        layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280),
        down_block_types=("CrossAttnDownBlockSpatioTemporal",) * 3 + ("DownBlockSpatioTemporal",),
        up_block_types=("UpBlockSpatioTemporal",) + ("CrossAttnUpBlockSpatioTemporal",) * 3,
        num_attention_heads=(5, 10, 20, 20),
        cross_attention_dim=1024,
        transformer_layers_per_block=1,
        addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=768,
        num_frames=25,
    ).to(dtype)
    vae = AutoencoderKLTemporalDecoder(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        layers_per_block=2,
        block_out_channels=(128, 256, 512, 512),
        down_block_types=("DownEncoderBlock2D",) * 4,
        sample_size=768,
        scaling_factor=0.18215,
        force_upcast=True,
    ).to(dtype)
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=1280,
            intermediate_size=5120,
            num_attention_heads=16,
            num_hidden_layers=32,
            patch_size=14,
            image_size=224,
            projection_dim=1024,
            hidden_act="gelu",
        )
    ).to(dtype)
    with torch.device("cpu"):
        scheduler = EulerDiscreteScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            interpolation_type="linear",
            num_train_timesteps=1000,
            prediction_type="v_prediction",
            sigma_max=700.0,
            sigma_min=0.002,
            steps_offset=1,
            timestep_spacing="leading",
            timestep_type="continuous",
            use_karras_sigmas=True,
        )
    print(
        f"  svd: unet {_params(unet):.2f} B, vae {_params(vae):.3f} B, image encoder "
        f"{_params(image_encoder):.3f} B parameters"
    )
    StableVideoDiffusionPipeline(
        unet=unet,
        image_encoder=image_encoder,
        scheduler=scheduler,
        vae=vae,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    ).save_pretrained(path)


def _full_llm(path: Path) -> None:
    """Qwen/Qwen2.5-7B-Instruct: 7.6 B parameters (transformers backend; vLLM is not measured here)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = _bpe_tokenizer({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"})
    config = Qwen2Config(
        vocab_size=152064,
        hidden_size=3584,
        intermediate_size=18944,
        num_hidden_layers=28,
        num_attention_heads=28,
        num_key_value_heads=4,
        max_position_embeddings=32768,
        rope_theta=1e6,
        rms_norm_eps=1e-6,
        tie_word_embeddings=False,
        hidden_act="silu",
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=None,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config).to(_dtype())
    model.generation_config.eos_token_id = None  # random weights: decode every token asked for
    print(f"  llm: {_params(model):.2f} B parameters")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)


def _full_tts(path: Path) -> None:
    """facebook/mms-tts-eng: VITS, 36 M parameters (transformers' VitsConfig defaults are MMS-TTS's)."""
    import string

    from transformers import VitsConfig, VitsModel, VitsTokenizer

    target = path / "en"
    target.mkdir(parents=True, exist_ok=True)
    chars = ["<pad>", " ", "'", "-"] + list(string.ascii_lowercase) + ["<unk>"]
    vocab = target / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(chars)}))
    tokenizer = VitsTokenizer(
        vocab_file=str(vocab), add_blank=True, normalize=True, phonemize=False
    )
    model = VitsModel(VitsConfig(vocab_size=len(chars), sampling_rate=16000, pad_token_id=0))
    print(f"  tts: {_params(model) * 1000:.1f} M parameters")
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)


def _full_musicgen(path: Path) -> None:
    """facebook/musicgen-medium: 1.5 B decoder (48 layers), T5-base text encoder, EnCodec 32 kHz."""
    from transformers import (
        EncodecConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    tokenizer = _bpe_tokenizer({"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"})
    text_encoder = T5Config(
        vocab_size=32128,
        d_model=768,
        d_ff=3072,
        d_kv=64,
        num_layers=12,
        num_heads=12,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    audio_encoder = EncodecConfig(
        sampling_rate=32000,
        audio_channels=1,
        hidden_size=128,
        num_filters=64,
        num_residual_layers=1,
        upsampling_ratios=[8, 5, 4, 4],
        codebook_size=2048,
        codebook_dim=128,
        target_bandwidths=[2.2],
        compress=2,
        num_lstm_layers=2,
        norm_type="weight_norm",
        use_causal_conv=False,
        pad_mode="reflect",
        normalize=False,
        trim_right_ratio=1.0,
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=2048,
        hidden_size=1536,
        num_hidden_layers=48,
        num_attention_heads=24,
        ffn_dim=6144,
        max_position_embeddings=2048,
        num_codebooks=4,
        audio_channels=1,
        pad_token_id=2048,
        bos_token_id=2048,
    )
    model = MusicgenForConditionalGeneration(
        MusicgenConfig(text_encoder=text_encoder, audio_encoder=audio_encoder, decoder=decoder)
    ).to(_dtype())
    model.generation_config.update(
        decoder_start_token_id=2048,
        pad_token_id=2048,
        do_sample=True,
        guidance_scale=3.0,
        max_length=1500,
    )
    print(f"  musicgen: {_params(model):.2f} B parameters")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)


if __name__ == "__main__":
    main()


def _full_lipsync(path: Path) -> None:
    """MuseTalk's configuration (its `musetalk.json`): an SD-1.x UNet with 8 input channels and
    cross-attention on Whisper-tiny's 384-wide encoder, sd-vae-ft-mse's VAE, Whisper-tiny."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    dtype = _dtype()
    UNet2DConditionModel(
        sample_size=32,
        in_channels=8,
        out_channels=4,
        block_out_channels=(320, 640, 1280, 1280),
        layers_per_block=2,
        cross_attention_dim=384,
        attention_head_dim=8,
    ).to(dtype).save_pretrained(path / "unet")
    AutoencoderKL(
        block_out_channels=[128, 256, 512, 512],
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        latent_channels=4,
        layers_per_block=2,
        sample_size=256,
    ).to(dtype).save_pretrained(path / "vae")
    WhisperModel(
        WhisperConfig(
            d_model=384,
            encoder_layers=4,
            decoder_layers=4,
            encoder_attention_heads=6,
            decoder_attention_heads=6,
            encoder_ffn_dim=1536,
            decoder_ffn_dim=1536,
            num_mel_bins=80,
        )
    ).to(dtype).save_pretrained(path / "whisper")
    WhisperFeatureExtractor(feature_size=80).save_pretrained(path / "whisper")
    _options(path, size=256, window=2, batch=16)
