"""Registers ``deepgram_tts2_python`` with the TEN runtime."""

from ten_runtime import Addon, TenEnv, register_addon_as_extension


@register_addon_as_extension("deepgram_tts2_python")
class DeepgramTTS2ExtensionAddon(Addon):
    def on_create_instance(self, ten_env: TenEnv, name: str, context: object) -> None:
        from .extension import DeepgramTTS2Extension  # imported lazily, as TEN addons do

        ten_env.on_create_instance_done(DeepgramTTS2Extension(name), context)
