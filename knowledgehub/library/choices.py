from knowledgehub.knowledge.choices import Audience

__all__ = ["Audience"]
