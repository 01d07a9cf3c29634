"""Spanish labels of the monitoring XLSForms, keyed by the English label.

The forms' fixed labels are written in English and French side by side in xlsforms.py (an XLSForm
carries every language at once, so they are not gettext calls made in one active language); this
table adds Spanish for operations that work in Spanish (Colombia, R4V). A label missing here
falls back to English, and tests/test_xlsforms_languages.py checks that none is missing.
"""

from __future__ import annotations

SPANISH: dict[str, str] = {
    # Groups and questions.
    "Location": "Lugar",
    "People affected": "Personas afectadas",
    "Numbers only: never a name.": "Solo cifras: nunca un nombre.",
    "A number from 0.": "Un número a partir de 0.",
    "At most the number of people counted above.": (
        "Como máximo el número de personas contadas más arriba."
    ),
    "Population group of the people affected": "Grupo de población de las personas afectadas",
    "Incident": "Incidente",
    "Date of the incident": "Fecha del incidente",
    "The date cannot be in the future.": "La fecha no puede estar en el futuro.",
    "Date reported": "Fecha de reporte",
    "Between the date of the incident and today.": "Entre la fecha del incidente y hoy.",
    "Risks and violations": "Riesgos y violaciones",
    "Protection risks (the main one first)": "Riesgos de protección (el principal primero)",
    "Violation types": "Tipos de violación",
    "Alleged perpetrator category (never a name)": (
        "Categoría del presunto perpetrador (nunca un nombre)"
    ),
    "Displacement": "Desplazamiento",
    "Did the incident cause displacement?": "¿El incidente provocó un desplazamiento?",
    "Households displaced": "Hogares desplazados",
    "At least 1 household.": "Al menos 1 hogar.",
    "Referral and source": "Remisión y fuente",
    "Services people were referred to": "Servicios a los que se remitió a las personas",
    "Source of the information": "Fuente de la información",
    "Verification status": "Estado de verificación",
    "What happened (no names, phone or ID numbers)": (
        "Qué pasó (sin nombres, ni números de teléfono o de identidad)"
    ),
    "Do not write names, phone numbers or ID numbers: they would identify people.": (
        "No escriba nombres, números de teléfono ni de identidad: identificarían a personas."
    ),
    "Yes": "Sí",
    "No": "No",
    "Community": "Comunidad",
    "Month monitored": "Mes monitoreado",
    "The month cannot be in the future.": "El mes no puede estar en el futuro.",
    "Interview": "Entrevista",
    "Community (village, site or neighbourhood: its name or code)": (
        "Comunidad (vereda, sitio o barrio: su nombre o código)"
    ),
    "The place, never a person's name.": "El lugar, nunca el nombre de una persona.",
    "Respondent type": "Tipo de informante",
    "Number of interviews": "Número de entrevistas",
    "At least 1.": "Al menos 1.",
    "Risks reported": "Riesgos reportados",
    "Protection risks reported this month": "Riesgos de protección reportados este mes",
    "Alleged perpetrators (categories)": "Presuntos perpetradores (categorías)",
    "Groups affected": "Grupos afectados",
    "Coping mechanisms": "Mecanismos de afrontamiento",
    "“None” cannot be chosen with another answer.": (
        "«Ninguno» no puede elegirse junto con otra respuesta."
    ),
    "Access to services": "Acceso a servicios",
    # Coping mechanisms, respondents, access (tutela.monitoring.imports.fields).
    "Reducing movements": "Reducción de los desplazamientos",
    "Avoiding some areas": "Evitar ciertas zonas",
    "Moving in groups": "Desplazarse en grupo",
    "Sending children away": "Enviar a los niños a otro lugar",
    "Child marriage": "Matrimonio infantil",
    "Child labour": "Trabajo infantil",
    "Selling assets or livestock": "Venta de bienes o de ganado",
    "Borrowing or debt": "Préstamos o deudas",
    "Paying armed actors": "Pagos a actores armados",
    "Leaving the community": "Salida de la comunidad",
    "Community protection mechanisms": "Mecanismos comunitarios de protección",
    "None": "Ninguno",
    "Other": "Otro",
    "Key informant interview": "Entrevista a informante clave",
    "Household interview": "Entrevista a un hogar",
    "Focus group discussion": "Grupo focal",
    "Services accessible": "Servicios accesibles",
    "Partly accessible": "Parcialmente accesibles",
    "Not accessible": "No accesibles",
    "Unknown": "No sabe",
}


def spanish(english: str) -> str:
    """The Spanish label of an English one (English when there is none)."""
    return SPANISH.get(english, english)
